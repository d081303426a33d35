import test from "ava";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConfigLoadError, loadUserConfig } from "../../generators/load-config.js";
import { FIXTURES } from "./example-helpers.js";

/** A directory outside the repository (so no node_modules anywhere above it), removed afterwards. */
async function withConfig(source: string, run: (file: string) => Promise<void>, name = "comin.config.ts"): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "comin-load-config-"));
  try {
    const file = path.join(dir, name);
    await writeFile(file, source);
    await run(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("an object default export", async (t) => {
  const config = await loadUserConfig(path.join(FIXTURES, "object-export.ts"));

  t.deepEqual(Object.keys((config as { hosts: object }).hosts), ["web1", "web2"]);
});

test("a function default export is called", async (t) => {
  const config = await loadUserConfig(path.join(FIXTURES, "function-export.ts"));

  t.deepEqual(Object.keys((config as { hosts: object }).hosts), ["a", "b", "c"]);
});

test("an async function default export is awaited", async (t) => {
  const config = await loadUserConfig(path.join(FIXTURES, "async-function-export.ts"));

  t.deepEqual((config as { hosts: object }).hosts, { gateway: { machineId: "0123456789abcdef0123456789abcdef" } });
});

test("a config may import a sibling module", async (t) => {
  const config = await loadUserConfig(path.join(FIXTURES, "local-import.ts"));

  t.deepEqual(Object.keys((config as { hosts: object }).hosts), ["db.internal", "cache"]);
});

test('"comin" resolves without any node_modules next to the config', async (t) => {
  const source = `import { defineConfig } from "comin";\nconst typed: number = 1;\nexport default defineConfig({ hosts: { ["h" + typed]: {} } });\n`;

  await withConfig(source, async (file) => {
    const config = await loadUserConfig(file);

    t.deepEqual(config, { hosts: { h1: {} } });
  });
});

test("a .mjs config works too", async (t) => {
  await withConfig(`export default { hosts: { a: {} } };\n`, async (file) => {
    t.deepEqual(await loadUserConfig(file), { hosts: { a: {} } });
  }, "comin.config.mjs");
});

async function failure(t: import("ava").ExecutionContext, source: string): Promise<ConfigLoadError | undefined> {
  let caught: ConfigLoadError | undefined;
  await withConfig(source, async (file) => {
    caught = await t.throwsAsync(loadUserConfig(file), { instanceOf: ConfigLoadError });
    t.true(caught?.message.startsWith(file), caught?.message);
  });
  return caught;
}

test("a missing file", async (t) => {
  const error = await t.throwsAsync(loadUserConfig("/nonexistent/comin.config.ts"), { instanceOf: ConfigLoadError });

  t.is(error?.kind, "missing");
  t.is(error?.message, "/nonexistent/comin.config.ts: the file does not exist");
});

test("a syntax error names the file and the line", async (t) => {
  const error = await failure(t, `export default {\n  hosts: {\n    web1: { reboot: { policy: "never" } \n  ,, }\n};\n`);

  t.is(error?.kind, "syntax");
  t.is(error?.line, 4);
  t.regex(error?.message ?? "", /:4: syntax error: /);
});

test("an exception at import names the file and the line", async (t) => {
  const error = await failure(t, `const a = 1;\n\nthrow new Error("secrets file missing");\nexport default {};\n`);

  t.is(error?.kind, "throws");
  t.is(error?.line, 3);
  t.regex(error?.message ?? "", /:3: failed while importing: secrets file missing$/);
});

test("no default export", async (t) => {
  const error = await failure(t, `export const config = { hosts: {} };\n`);

  t.is(error?.kind, "no-default-export");
  t.regex(error?.message ?? "", /: no default export: write `export default defineConfig\(\{ \.\.\. \}\)`$/);
});

test("a default export that is not an object", async (t) => {
  const error = await failure(t, `export default ["web1"];\n`);

  t.is(error?.kind, "shape");
  t.regex(error?.message ?? "", /: the default export is an array, expected defineConfig/);
});

test("a function that returns something else than an object", async (t) => {
  const error = await failure(t, `export default () => "web1";\n`);

  t.is(error?.kind, "shape");
  t.regex(error?.message ?? "", /: the exported function returned a string, expected the configuration object$/);
});

test("a function that throws", async (t) => {
  const error = await failure(t, `export default async () => {\n  throw new Error("no inventory");\n};\n`);

  t.is(error?.kind, "throws");
  t.regex(error?.message ?? "", /: the exported function threw: no inventory$/);
});

test("an import that cannot be resolved", async (t) => {
  const error = await failure(t, `import { x } from "./missing-module.js";\nexport default { x };\n`);

  t.is(error?.kind, "throws");
  t.regex(error?.message ?? "", /missing-module/);
});
