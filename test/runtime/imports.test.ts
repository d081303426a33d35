/**
 * What the long-running daemon loads (issue 15, idle memory): a static walk of the import graph of
 * the built `comin run` (the CLI's static imports, then dist/runtime/daemon.js with its literal
 * dynamic imports too), through our own files and into the packages they name. zod alone costs the daemon ~13 MiB; the DSL's schemas
 * are for what users write and for the configuration check, never for the daemon's own work.
 */
import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import ts from "typescript";

const DIST = fileURLToPath(new URL("../../", import.meta.url));
const ROOT = path.dirname(DIST);
const DAEMON = path.join(DIST, "runtime", "daemon.js");

/**
 * The one edge left out of the walk: runtime/config.ts imports the DSL's resolver on demand, in
 * `checkConfigFile`, which runs in the short-lived checker process (runtime/config-check.ts) and
 * never in the daemon (test/runtime/config-isolated.test.ts).
 */
function configCheck(from: string, specifier: string): boolean {
  return from === path.join(DIST, "runtime", "config.js") && specifier === "../dsl/resolve.js";
}

type Exclusion = (from: string, specifier: string) => boolean;

/** Where a walk starts, and whether it follows `import("…")` too (what may be loaded later). */
interface Root {
  file: string;
  dynamic: boolean;
}

/**
 * `comin run` loads every module the CLI imports statically (whatever the command), then the
 * daemon and everything it may import, at once or later.
 */
const COMIN_RUN: Root[] = [
  { file: DAEMON, dynamic: true },
  { file: path.join(DIST, "runtime", "cli", "main.js"), dynamic: false },
];

interface Graph {
  /** Each reached file (relative to dist/) or package (`package:<name>`), with who reached it first. */
  parent: Map<string, string | null>;
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
}

function packageDependencies(name: string): string[] {
  const manifest = path.join(ROOT, "node_modules", name, "package.json");
  if (!existsSync(manifest)) return [];
  const json = JSON.parse(readFileSync(manifest, "utf8")) as { dependencies?: Record<string, string> };
  return Object.keys(json.dependencies ?? {});
}

/** The specifiers a built file imports; `dynamic` adds those of `import("…")` with a literal. */
function importsOf(file: string, dynamic: boolean): string[] {
  const text = readFileSync(file, "utf8");
  const refs = ts.preProcessFile(text, true, true).importedFiles;
  return refs.filter((ref) => dynamic || !/import\(\s*$/.test(text.slice(Math.max(0, ref.pos - 10), ref.pos))).map((ref) => ref.fileName);
}

function walk(roots: Root[], excluded: Exclusion = configCheck): Graph {
  const parent = new Map<string, string | null>();
  const packages: string[] = [];
  for (const root of roots) {
    const queue: string[] = [];
    const reach = (node: string, from: string | null): void => {
      if (parent.has(node)) return;
      parent.set(node, from);
      if (node.startsWith("package:")) packages.push(node);
      else queue.push(path.join(DIST, node));
    };
    reach(path.relative(DIST, root.file), null);
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const from = path.relative(DIST, file);
      for (const specifier of importsOf(file, root.dynamic)) {
        if (excluded(file, specifier)) continue;
        if (specifier.startsWith(".")) reach(path.relative(DIST, path.resolve(path.dirname(file), specifier)), from);
        else if (!specifier.startsWith("node:") && !builtinModules.includes(specifier)) reach(`package:${packageName(specifier)}`, from);
      }
    }
  }
  // Packages load their own dependencies: any of them may bring zod along.
  for (let node = packages.shift(); node !== undefined; node = packages.shift()) {
    for (const dependency of packageDependencies(node.slice("package:".length))) {
      const next = `package:${dependency}`;
      if (!parent.has(next)) {
        parent.set(next, node);
        packages.push(next);
      }
    }
  }
  return { parent };
}

/** The chain of imports from the daemon to `node`, for the failure message. */
function chain(graph: Graph, node: string): string {
  const steps: string[] = [];
  for (let at: string | null | undefined = node; at; at = graph.parent.get(at)) steps.unshift(at);
  return steps.join(" → ");
}

test("`comin run` never loads zod", (t) => {
  const graph = walk(COMIN_RUN);

  const zod = [...graph.parent.keys()].filter((node) => node === "package:zod" || node.startsWith("package:zod/"));

  t.true(graph.parent.has("runtime/api/routes.js"), "the walk reaches the local API");
  t.true(graph.parent.has("runtime/state/validate.js"), "the walk reaches the state store");
  t.deepEqual(zod.map((node) => chain(graph, node)), []);
});

test("`comin run`'s only modules from dsl/ are two that import nothing (types from dsl/ are erased, values are not)", (t) => {
  const graph = walk(COMIN_RUN);

  const dsl = [...graph.parent.keys()].filter((node) => node.startsWith(`dsl${path.sep}`)).sort();

  t.deepEqual(dsl, [path.join("dsl", "duration.js"), path.join("dsl", "issue-format.js")], dsl.map((node) => chain(graph, node)).join("\n"));
  for (const file of dsl) t.deepEqual(ts.preProcessFile(readFileSync(path.join(DIST, file), "utf8"), true, true).importedFiles, [], file);
});

test("the walk sees zod where it is: in the configuration checker, left out above", (t) => {
  const graph = walk([{ file: path.join(DIST, "runtime", "config-check.js"), dynamic: true }], () => false);

  t.regex(chain(graph, "package:zod"), /^runtime\/config-check\.js → runtime\/config\.js → dsl\/resolve\.js → .*package:zod$/);
});
