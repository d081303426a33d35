/**
 * The daemon checks its configuration in a child process (runtime/config.ts), so that zod never
 * lives in the daemon: the child's verdict must be exactly the in-process one, for every example
 * configuration and for a broken one.
 */
import test from "ava";
import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, loadRuntimeConfig, loadRuntimeConfigIsolated } from "../../runtime/config.js";
import { tempDir } from "../helpers/daemon.js";

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../examples");

async function exampleConfigs(): Promise<string[]> {
  const files: string[] = [];
  for (const example of await readdir(examples, { withFileTypes: true })) {
    if (!example.isDirectory()) continue;
    const expected = path.join(examples, example.name, "expected");
    const names = await readdir(expected).catch(() => [] as string[]);
    files.push(...names.filter((name) => name.endsWith(".json")).map((name) => path.join(expected, name)));
  }
  return files;
}

test("every example configuration reads the same through the checker process as in-process", async (t) => {
  const files = await exampleConfigs();
  t.true(files.length >= 5, `examples found: ${files.join(", ")}`);
  for (const file of files) t.deepEqual(await loadRuntimeConfigIsolated(file), await loadRuntimeConfig(file), file);
});

test("a broken configuration gives the same ConfigError through the checker process", async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, "bad.json");
  await writeFile(file, JSON.stringify({ schemaVersion: 1, hostname: "web_1", stateDir: dir, remotes: [], reboot: { policy: "sometimes" } }));
  const inProcess = await t.throwsAsync(loadRuntimeConfig(file), { instanceOf: ConfigError });
  const isolated = await t.throwsAsync(loadRuntimeConfigIsolated(file), { instanceOf: ConfigError });
  t.deepEqual(isolated?.issues, inProcess?.issues);
  t.is(isolated?.message, inProcess?.message);
  t.regex(isolated?.message ?? "", /bad\.json: hostname: invalid host name "web_1"/);
});

test.serial("output of inherited node options on the checker's stdout does not hide its verdict", async (t) => {
  const dir = await tempDir(t);
  const noise = path.join(dir, "noise.cjs");
  await writeFile(noise, 'process.stdout.write("{ not the verdict\\n"); process.on("exit", () => process.stdout.write("after } it\\n"));\n');
  const [file] = await exampleConfigs();
  if (file === undefined) return t.fail("no example configuration");
  const previous = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = `--require ${noise}`;
  try {
    t.deepEqual(await loadRuntimeConfigIsolated(file), await loadRuntimeConfig(file));
  } finally {
    if (previous === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = previous;
  }
});
