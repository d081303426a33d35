/**
 * What a real `comin run` loads (issue 15, idle memory), traced by a module resolve hook while it
 * deploys a commit and answers the local API: no zod (~13 MiB) and none of the DSL's schemas. The
 * configuration checker, a short-lived child process (runtime/config-check.ts), loads them and
 * exits. test/runtime/imports.test.ts walks the same graph statically.
 */
import test from "ava";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createMachine, Daemon, FleetRepo, localRemote, tempDir } from "../helpers/daemon.js";

const HOOKS = `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.COMIN_TEST_MODULE_TRACE, \`\${process.pid}\\t\${context.parentURL ?? "-"}\\t\${result.url}\\n\`);
  return result;
}
`;

/** Each module each process loaded, with the module that first imported it. */
async function loadedModules(trace: string): Promise<Map<number, Map<string, string>>> {
  const byPid = new Map<number, Map<string, string>>();
  for (const line of (await readFile(trace, "utf8")).trim().split("\n")) {
    const [pid, parent, url] = line.split("\t") as [string, string, string];
    const parentOf = byPid.get(Number(pid)) ?? new Map<string, string>();
    byPid.set(Number(pid), parentOf);
    if (!parentOf.has(url)) parentOf.set(url, parent);
  }
  return byPid;
}

const isZod = (url: string): boolean => url.includes("/node_modules/zod/");

function chain(parentOf: Map<string, string>, url: string): string[] {
  const steps = [url];
  for (let parent = parentOf.get(url); parent && parent !== "-" && !steps.includes(parent); parent = parentOf.get(parent)) steps.unshift(parent);
  return steps.map((step) => step.replace(/^.*\/(dist|node_modules)\//, ""));
}

test("a running daemon loads neither zod nor the DSL's schemas; its configuration checker does, and exits", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)] });
  const commit = await fleet.commit({ web1: machine.host() }, "first");
  const trace = path.join(dir, "modules.tsv");
  await writeFile(path.join(dir, "hooks.mjs"), HOOKS);
  await writeFile(path.join(dir, "register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(path.join(dir, "hooks.mjs")).href)});\n`);
  const daemon = await Daemon.start(t, machine, { NODE_OPTIONS: `--import ${path.join(dir, "register.mjs")}`, COMIN_TEST_MODULE_TRACE: trace });

  await daemon.waitFor((s) => s.deployment?.commit === commit && s.deployment.status === "done", 60_000, "the first deployment");
  t.is((await daemon.call("POST", "/v1/fetch", { wait: true })).status, 200);
  t.is((await daemon.call("POST", "/v1/suspend", {})).status, 200);
  const byPid = await loadedModules(trace);

  const daemonModules = byPid.get(daemon.child.pid ?? -1) ?? new Map<string, string>();
  const urls = [...daemonModules.keys()];
  t.true(urls.some((url) => url.endsWith("/dist/runtime/api/routes.js")), "the trace saw the daemon's own modules");
  const zodEntries = urls.filter((url) => isZod(url) && !isZod(daemonModules.get(url) ?? ""));
  const unwanted = [...zodEntries, ...urls.filter((url) => url.includes("/dist/dsl/") && !/\/dsl\/(duration|issue-format)\.js$/.test(url))];
  t.deepEqual(unwanted.map((url) => chain(daemonModules, url).join(" → ")), []);
  const checkers = [...byPid].filter(([pid]) => pid !== daemon.child.pid).map(([, modules]) => [...modules.keys()]);
  t.true(checkers.some((modules) => modules.some(isZod) && modules.some((url) => url.endsWith("/dist/runtime/config-check.js"))), "the checker loaded zod, and the trace saw it");
});
