/** `comin generate` and `comin validate` through their command functions, on real temp directories. */
import test from "ava";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { generateCommand, validateCommand } from "../../generators/commands.js";
import { FIXTURES } from "./example-helpers.js";

class Capture {
  text = "";
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

interface Workspace {
  dir: string;
  out: string;
  config: string;
}

async function withWorkspace(source: string, run: (workspace: Workspace) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "comin-generate-"));
  try {
    const config = path.join(dir, "comin.config.ts");
    await writeFile(config, source);
    await run({ dir, out: path.join(dir, "out"), config });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function generate(workspace: Workspace, check = false) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await generateCommand({ config: workspace.config, out: workspace.out, check, stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

const TWO_HOSTS = `import { defineConfig } from "comin";
export default defineConfig({
  remotes: [{ name: "origin", url: "https://git.example.org/infra.git" }],
  hosts: { web1: {}, web2: { machineId: "0123456789abcdef0123456789abcdef" } },
});
`;

test("generate writes one JSON per host and comin.nix, and says so", async (t) => {
  await withWorkspace(TWO_HOSTS, async (workspace) => {
    const result = await generate(workspace);

    t.is(result.code, 0, result.stderr);
    t.deepEqual(await listing(workspace.out), ["comin.nix", "web1.json", "web2.json"]);
    t.regex(result.stdout, /^wrote .*out\/web1\.json$/m);
    t.regex(result.stdout, /^wrote .*out\/comin\.nix$/m);
    t.regex(result.stdout, /^3 written, 0 unchanged, 0 removed$/m);
    const web2 = await readFile(path.join(workspace.out, "web2.json"), "utf8");
    t.true(web2.startsWith('{\n  "schemaVersion": 1,\n  "hostname": "web2",'));
    t.true(web2.endsWith("}\n"));
    t.regex(await readFile(path.join(workspace.out, "comin.nix"), "utf8"), /machineId = "0123456789abcdef0123456789abcdef";/);
  });
});

test("a second generate changes nothing, and --check then passes", async (t) => {
  await withWorkspace(TWO_HOSTS, async (workspace) => {
    await generate(workspace);

    const again = await generate(workspace);
    const check = await generate(workspace, true);

    t.regex(again.stdout, /^0 written, 3 unchanged, 0 removed$/m);
    t.is(check.code, 0);
    t.regex(check.stdout, /is up to date \(3 files\)/);
  });
});

test("--check lists stale, missing and extra files, writes nothing and exits 1", async (t) => {
  await withWorkspace(TWO_HOSTS, async (workspace) => {
    await generate(workspace);
    await writeFile(path.join(workspace.out, "web1.json"), "{}\n");
    await rm(path.join(workspace.out, "comin.nix"));
    await writeFile(path.join(workspace.out, "old.json"), '{ "schemaVersion": 1 }\n');
    await writeFile(path.join(workspace.out, "notes.json"), '{ "mine": true }\n');

    const result = await generate(workspace, true);

    t.is(result.code, 1);
    t.regex(result.stdout, /^stale: .*web1\.json$/m);
    t.regex(result.stdout, /^missing: .*comin\.nix$/m);
    t.regex(result.stdout, /^extra: .*old\.json \(its host is no longer in /m);
    t.notRegex(result.stdout, /notes\.json/);
    t.is(await readFile(path.join(workspace.out, "web1.json"), "utf8"), "{}\n");
    t.deepEqual(await listing(workspace.out), ["notes.json", "old.json", "web1.json", "web2.json"]);
  });
});

test("generate removes the JSON of a removed host only when it is ours", async (t) => {
  await withWorkspace(TWO_HOSTS, async (workspace) => {
    await generate(workspace);
    await writeFile(path.join(workspace.out, "notes.json"), '{ "mine": true }\n');
    await writeFile(workspace.config, TWO_HOSTS.replace(', web2: { machineId: "0123456789abcdef0123456789abcdef" }', ""));

    const result = await generate(workspace);

    t.is(result.code, 0, result.stderr);
    t.regex(result.stdout, /^removed .*web2\.json/m);
    t.regex(result.stdout, /^left .*notes\.json alone \(not written by comin\)$/m);
    t.deepEqual(await listing(workspace.out), ["comin.nix", "notes.json", "web1.json"]);
    t.notRegex(await readFile(path.join(workspace.out, "comin.nix"), "utf8"), /web2/);
  });
});

test("an invalid config prints every problem as file: path: message, exits 78 and writes nothing", async (t) => {
  const source = `export default {
  remotes: [{ name: "origin", url: "https://git.example.org/infra.git" }],
  timeouts: { eval: "soon" },
  hosts: { web1: { reboot: { polcy: "never" } }, web2: {} },
};
`;
  await withWorkspace(source, async (workspace) => {
    const result = await generate(workspace);

    t.is(result.code, 78);
    const lines = result.stderr.trim().split("\n");
    t.deepEqual(lines, [
      `${workspace.config}: timeouts.eval: invalid duration "soon": expected a whole number of seconds, or a string such as "90s", "5m", "2h", "1h30m"`,
      `${workspace.config}: hosts.web1.reboot.polcy: unknown key "polcy" (did you mean "policy"?)`,
      `${workspace.config}: 2 problems`,
    ]);
    t.is(result.stdout, "");
    t.deepEqual(await listing(workspace.dir), ["comin.config.ts"]);
  });
});

const LOAD_FAILURES: [string, string, RegExp][] = [
  ["a syntax error", "export default {\n  hosts: { a: {} ,, }\n};\n", /:2: syntax error: /],
  ["an exception at import", 'throw new Error("boom");\nexport default {};\n', /:1: failed while importing: boom/],
  ["no default export", "export const hosts = {};\n", /: no default export/],
  ["a function export returning nothing", "export default () => undefined;\n", /: the exported function returned a undefined/],
  ["a wrong shape", "export default 42;\n", /: the default export is a number/],
];
for (const [name, source, message] of LOAD_FAILURES) {
  test(`a config with ${name} exits 78 and writes nothing`, async (t) => {
    await withWorkspace(source, async (workspace) => {
      const result = await generate(workspace);

      t.is(result.code, 78);
      t.true(result.stderr.startsWith(workspace.config), result.stderr);
      t.regex(result.stderr, message);
      t.deepEqual(await listing(workspace.dir), ["comin.config.ts"]);
    });
  });
}

test("a function export is generated like an object export", async (t) => {
  await withWorkspace(`export default async () => (${TWO_HOSTS.split("defineConfig(")[1]?.replace(/\);\s*$/, "")});\n`, async (workspace) => {
    const result = await generate(workspace);

    t.is(result.code, 0, result.stderr);
    t.deepEqual(await listing(workspace.out), ["comin.nix", "web1.json", "web2.json"]);
  });
});

test("an output path that cannot be a directory exits 73 and leaves no temporary file", async (t) => {
  await withWorkspace(TWO_HOSTS, async (workspace) => {
    await writeFile(workspace.out, "a file, not a directory\n");

    const result = await generate(workspace);

    t.is(result.code, 73);
    t.regex(result.stderr, /^cannot create /);
    t.deepEqual(await listing(workspace.dir), ["comin.config.ts", "out"]);
  });
});

test("a failed write leaves the output directory as it was", async (t) => {
  await withWorkspace(TWO_HOSTS, async (workspace) => {
    await generate(workspace);
    const before = await readFile(path.join(workspace.out, "web1.json"), "utf8");
    await writeFile(workspace.config, TWO_HOSTS.replace("web1: {}", 'web1: { stateDir: "/srv/comin" }').replace("web2: {", "web3: {"));
    // A directory where web3.json must go: web1.json must not be replaced either.
    await mkdir(path.join(workspace.out, "web3.json", "blocker"), { recursive: true });

    const result = await generate(workspace);

    t.is(result.code, 73);
    t.regex(result.stderr, /web3\.json: a directory is in the way; nothing was changed$/m);
    t.is(await readFile(path.join(workspace.out, "web1.json"), "utf8"), before);
    t.deepEqual(await listing(workspace.out), ["comin.nix", "web1.json", "web2.json", "web3.json"]);
  });
});

test("validate accepts a valid config and names its hosts", async (t) => {
  const stdout = new Capture();
  const stderr = new Capture();
  const file = path.join(FIXTURES, "object-export.ts");

  const code = await validateCommand({ file, stdout, stderr });

  t.is(code, 0, stderr.text);
  t.is(stdout.text, `${file}: ok (2 hosts: web1, web2)\n`);
});

test("validate prints every problem of a config and exits 78", async (t) => {
  await withWorkspace(`export default { hosts: { web1: { machineId: "nope" } } };\n`, async (workspace) => {
    const stdout = new Capture();
    const stderr = new Capture();

    const code = await validateCommand({ file: workspace.config, stdout, stderr });

    t.is(code, 78);
    t.regex(stderr.text, /: hosts\.web1\.remotes: required: /);
    t.regex(stderr.text, /: hosts\.web1\.machineId: invalid machine id "nope"/);
  });
});

test("validate checks a resolved JSON with the runtime's rules", async (t) => {
  await withWorkspace(TWO_HOSTS, async (workspace) => {
    await generate(workspace);
    const good = path.join(workspace.out, "web1.json");
    const bad = path.join(workspace.dir, "bad.json");
    const json = JSON.parse(await readFile(good, "utf8")) as Record<string, unknown>;
    await writeFile(bad, JSON.stringify({ ...json, schemaVersion: 9, stateDir: "relative" }));
    const outputs = [new Capture(), new Capture(), new Capture(), new Capture()] as const;

    const okCode = await validateCommand({ file: good, stdout: outputs[0], stderr: outputs[1] });
    const badCode = await validateCommand({ file: bad, stdout: outputs[2], stderr: outputs[3] });

    t.is(okCode, 0, outputs[1].text);
    t.is(outputs[0].text, `${good}: ok (resolved configuration of host web1)\n`);
    t.is(badCode, 78);
    t.deepEqual(outputs[3].text.trim().split("\n"), [
      `${bad}: stateDir: expected an absolute path, got "relative"`,
      `${bad}: schemaVersion: unsupported schemaVersion 9: this comin reads version 1`,
      `${bad}: 2 problems`,
    ]);
  });
});

test("validate reports unreadable JSON and unknown file types", async (t) => {
  await withWorkspace("{ not json", async (workspace) => {
    const broken = path.join(workspace.dir, "broken.json");
    await writeFile(broken, "{ not json");
    const outputs = [new Capture(), new Capture(), new Capture(), new Capture()] as const;

    const brokenCode = await validateCommand({ file: broken, stdout: outputs[0], stderr: outputs[1] });
    const yamlCode = await validateCommand({ file: path.join(workspace.dir, "comin.yaml"), stdout: outputs[2], stderr: outputs[3] });

    t.is(brokenCode, 78);
    t.regex(outputs[1].text, /broken\.json: invalid JSON: /);
    t.is(yamlCode, 2);
    t.regex(outputs[3].text, /comin\.yaml: expected a comin\.config\.ts/);
  });
});
