/**
 * What a real `comin run` loads (issue 15, idle memory), traced by a module resolve hook while it
 * deploys a commit and answers the local API: zod (~13 MiB) and the DSL's schemas only through
 * the runtime configuration check (runtime/config.ts → dsl/), which moves to a short-lived child
 * process in its own change. test/runtime/imports.test.ts walks the same graph statically.
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

/** Each module the process `pid` loaded, with the module that first imported it. */
async function loadedModules(trace: string, pid: number): Promise<Map<string, string>> {
  const parentOf = new Map<string, string>();
  for (const line of (await readFile(trace, "utf8")).trim().split("\n")) {
    const [linePid, parent, url] = line.split("\t") as [string, string, string];
    if (Number(linePid) === pid && !parentOf.has(url)) parentOf.set(url, parent);
  }
  return parentOf;
}

function chain(parentOf: Map<string, string>, url: string): string[] {
  const steps = [url];
  for (let parent = parentOf.get(url); parent && parent !== "-" && !steps.includes(parent); parent = parentOf.get(parent)) steps.unshift(parent);
  return steps.map((step) => step.replace(/^.*\/(dist|node_modules)\//, ""));
}

test("a running daemon loads zod and the DSL schemas only through the configuration check", async (t) => {
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
  const parentOf = await loadedModules(trace, daemon.child.pid ?? -1);

  const urls = [...parentOf.keys()];
  t.true(urls.some((url) => url.endsWith("/dist/runtime/api/routes.js")), "the trace saw the daemon's own modules");
  const outsideTheCheck = urls
    .filter((url) => url.includes("/node_modules/zod/") || url.includes("/dist/dsl/"))
    .map((url) => chain(parentOf, url))
    .filter((steps) => !steps.includes("runtime/config.js") && steps.at(-1) !== "dsl/duration.js");
  t.deepEqual(outsideTheCheck, []);
});
