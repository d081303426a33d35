/**
 * Real Nix on the generated Nix files: every committed and generated `.nix` file parses, the
 * options file evaluates (against a stub `lib`: there is no nixpkgs here) to exactly the option
 * tree's types and defaults, and comin.nix picks the right host or fails its assertion.
 */
import test from "ava";
import { execa } from "execa";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { resolveFleet } from "../../dsl/resolve.js";
import { planHostOutputs } from "../../generators/host-outputs.js";
import { nixString } from "../../generators/nix-string.js";
import type { OptionKind, OptionNode } from "../../generators/option-tree.js";
import { GENERATED_FILES } from "../../generators/repo-paths.js";
import { loadSchemaDocs } from "../../generators/schema-docs.js";
import { walkSchema } from "../../generators/walk.js";
import { EXAMPLE_NAMES, EXAMPLES, REPO } from "./example-helpers.js";

async function nixEval(expression: string): Promise<unknown> {
  const result = await execa("nix-instantiate", ["--eval", "--strict", "--json", "-E", expression], { reject: false, timeout: 60_000 });
  if (result.exitCode !== 0) throw new Error(`nix-instantiate failed (${String(result.exitCode)}): ${result.stderr}`);
  return JSON.parse(result.stdout) as unknown;
}

async function nixParse(file: string): Promise<{ file: string; ok: boolean; error: string }> {
  const result = await execa("nix-instantiate", ["--parse", file], { reject: false, timeout: 60_000 });
  return { file: path.relative(REPO, file), ok: result.exitCode === 0, error: result.stderr };
}

/** A fleet whose host names are Nix keywords or need quoting, to stress comin.nix. */
const AWKWARD_HOSTS = { in: {}, "db.internal": {}, "1st": {}, "or": { machineId: "0123456789abcdef0123456789abcdef" } };

async function withAwkwardCominNix(run: (file: string) => Promise<void>): Promise<void> {
  const resolution = resolveFleet({ remotes: [{ name: "origin", url: "/srv/git/infra.git" }], hosts: AWKWARD_HOSTS });
  if (!resolution.ok) throw new Error("the awkward fleet should resolve");
  const dir = await mkdtemp(path.join(tmpdir(), "comin-generated-nix-"));
  try {
    for (const [name, content] of planHostOutputs(resolution.value, 'a "quoted" ${name}.ts')) await writeFile(path.join(dir, name), content);
    await run(path.join(dir, "comin.nix"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("every committed and generated .nix file parses", async (t) => {
  const tracked = (await execa("git", ["ls-files", "-z", "*.nix"], { cwd: REPO })).stdout.split("\0").filter(Boolean).map((file) => path.join(REPO, file));
  const examples = EXAMPLE_NAMES.map((name) => path.join(EXAMPLES, name, "expected", "comin.nix"));
  const files = [...new Set([...tracked, GENERATED_FILES.nixOptions, ...examples])];

  await withAwkwardCominNix(async (awkward) => {
    const results = await Promise.all([...files, awkward].map(nixParse));

    t.deepEqual(results.filter((result) => !result.ok), []);
    t.true(results.length >= files.length + 1);
  });
});

const STUB_LIB = `{
  mkOption = attrs: attrs // { _option = true; };
  literalExpression = text: { _literal = text; };
  types = {
    str = "str"; bool = "bool"; path = "path"; port = "port"; int = "int";
    ints = { unsigned = "unsigned"; positive = "positive"; between = lo: hi: "between \${toString lo} \${toString hi}"; };
    enum = values: { enum = values; };
    either = a: b: { either = [ a b ]; };
    nullOr = type: { nullOr = type; };
    strMatching = pattern: { strMatching = pattern; };
    listOf = type: { listOf = type; };
    nonEmptyListOf = type: { nonEmptyListOf = type; };
    submodule = module: { submodule = module.options; };
  };
}`;

/** What the stub lib makes of the Nix type the backend should have chosen for `kind`. */
function expectedType(kind: OptionKind): unknown {
  switch (kind.type) {
    case "string":
      return "str";
    case "int":
      return kind.port ? "port" : kind.minimum !== undefined && kind.maximum !== undefined ? `between ${kind.minimum} ${kind.maximum}` : kind.minimum === 0 ? "unsigned" : "positive";
    case "bool":
      return "bool";
    case "enum":
      return { enum: kind.values };
    case "duration":
      return { either: ["unsigned", "str"] };
    case "path":
      return "path";
    case "literal":
      return { enum: [kind.value] };
    case "nullable":
      return { nullOr: expectedType(kind.inner) };
    case "list":
      return { [kind.minItems ? "nonEmptyListOf" : "listOf"]: expectedType(kind.of) };
    case "object":
      return { submodule: Object.fromEntries(kind.children.map((child) => [child.key, expectedOption(child)])) };
  }
}

function innerKind(kind: OptionKind): OptionKind {
  return kind.type === "nullable" ? innerKind(kind.inner) : kind;
}

/** Secret files are absolute strings, never `path`s (a path literal would be copied to the store). */
function expectedNodeType(node: OptionNode): unknown {
  if (/^(tokenFile|sshKeyFile|secretFile|keyFile)$/.test(node.key)) {
    const secret = { strMatching: "/.*" };
    return node.kind.type === "nullable" ? { nullOr: secret } : secret;
  }
  return expectedType(node.kind);
}

function expectedOption(node: OptionNode): Record<string, unknown> {
  const option: Record<string, unknown> = { _option: true, type: expectedNodeType(node), description: node.description };
  if (node.default) {
    const inner = innerKind(node.kind);
    option.default = inner.type === "object" && node.default.text === "{}" ? {} : node.default.value;
    if (inner.type === "duration") option.defaultText = { _literal: node.default.text };
  }
  if (node.example !== undefined) option.example = node.example;
  return option;
}

test("nix/options.generated.nix evaluates to the option tree: types, defaults, descriptions", async (t) => {
  const tree = walkSchema(loadSchemaDocs());

  const options = (await nixEval(`import ${GENERATED_FILES.nixOptions} { lib = ${STUB_LIB}; }`)) as Record<string, unknown>;

  t.deepEqual(Object.keys(options).sort(), tree.settings.map((node) => node.key).sort());
  const mismatches = tree.settings.filter((node) => !isDeepStrictEqual(options[node.key], expectedOption(node)));
  t.deepEqual(mismatches.map((node) => node.key), []);
});

function cominNixFor(file: string, hostName: string): string {
  return `let
    module = import ${file} {
      config.networking.hostName = ${nixString(hostName)};
      lib.mkIf = condition: content: { inherit condition content; };
    };
    comin = module.services.comin;
  in {
    failed = map (a: a.message) (builtins.filter (a: !a.assertion) module.assertions);
    enabled = comin.condition;
    # toString keeps the path a string instead of copying the file into the store.
    settings = if comin.condition then { inherit (comin.content) enable machineId; configFile = toString comin.content.configFile; } else null;
  }`;
}

test("comin.nix enables comin with the host's own JSON and machine id", async (t) => {
  const file = path.join(EXAMPLES, "fleet", "expected", "comin.nix");

  const web2 = await nixEval(cominNixFor(file, "web2"));
  const db = await nixEval(cominNixFor(file, "db.internal"));

  t.deepEqual(web2, {
    failed: [],
    enabled: true,
    settings: { enable: true, machineId: "4c1d6e2f0a9b8c7d6e5f4a3b2c1d0e9f", configFile: path.join(EXAMPLES, "fleet", "expected", "web2.json") },
  });
  t.deepEqual(db, { failed: [], enabled: true, settings: { enable: true, machineId: null, configFile: path.join(EXAMPLES, "fleet", "expected", "db.internal.json") } });
});

test("comin.nix fails its assertion for an unknown host, naming it and the known hosts", async (t) => {
  const file = path.join(EXAMPLES, "fleet", "expected", "comin.nix");

  const result = await nixEval(cominNixFor(file, "web9"));

  t.deepEqual(result, {
    failed: ['comin.nix: no comin configuration for host "web9" (networking.hostName); known hosts: web1, web2, db.internal, canary'],
    enabled: false,
    settings: null,
  });
});

test("comin.nix handles host names that are Nix keywords or need quoting", async (t) => {
  await withAwkwardCominNix(async (file) => {
    const dir = path.dirname(file);

    const results = await Promise.all(Object.keys(AWKWARD_HOSTS).map((name) => nixEval(cominNixFor(file, name))));

    t.deepEqual(results, Object.entries(AWKWARD_HOSTS).map(([name, override]) => ({
      failed: [],
      enabled: true,
      settings: { enable: true, machineId: "machineId" in override ? override.machineId : null, configFile: path.join(dir, `${name}.json`) },
    })));
    t.deepEqual((await readdir(dir)).sort(), ["1st.json", "comin.nix", "db.internal.json", "in.json", "or.json"]);
  });
});
