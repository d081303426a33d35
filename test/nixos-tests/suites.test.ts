/**
 * The NixOS VM test suites cannot run here (no KVM, no nixpkgs), so they are checked by
 * construction: every Nix file parses, default.nix lists the suites, and each suite, evaluated
 * with stand-ins for nixpkgs (./stubs.nix), has its nodes and a test script that the test driver's
 * build would accept (compiles, passes a pyflakes-like lint), starts with the guard subtest and
 * expects exactly the systems prebuilt for its nodes.
 */
import { readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import test from "ava";
import { execa } from "execa";
import { tempDir } from "../helpers/nix.js";
import { REPO_ROOT, evalJson, evaluateSuites, lintScript, type SuiteSummary } from "./evaluate.js";

const GUARD_TITLE = "the first deployment is the system prebuilt outside the VM";
/** The helpers that read the agent's state (nixos-tests/lib/helpers.py). */
const AGENT_CALL = /\b(assert_prebuilt|wait_deployed|assert_first_switch|wait_for_status|comin_status|current_system|profile_generations|boot_log|deployments)\(/;
/** The helpers that wait for a deployment. */
const DEPLOYMENT_WAIT = /\b(assert_prebuilt|wait_deployed|assert_first_switch)\(/;

/** Per suite: its nodes, and the prebuilt systems its script expects (host-state-on-node). */
const SUITES: Record<string, { nodes: string[]; systems: string[] }> = {
  "branch-semantics": {
    nodes: ["git1", "web1", "web2"],
    systems: ["web1-v1-on-web1", "web1-v2-on-web1", "web1-t1-on-web1", "web2-v1-on-web2", "web2-v2-on-web2", "web2-f1-on-web2"],
  },
  migration: { nodes: ["git1", "newweb", "oldweb"], systems: ["web-m1-on-oldweb", "web-m2-on-newweb"] },
  signatures: { nodes: ["git1", "web1"], systems: ["web1-v1-on-web1", "web1-v4-on-web1"] },
  "remote-failover": { nodes: ["git1", "git2", "web1"], systems: ["web1-v1-on-web1", "web1-v2-on-web1", "web1-v3-on-web1"] },
  reboots: { nodes: ["git1", "web1"], systems: ["web1-v1-on-web1", "web1-v2-on-web1"] },
  "control-plane": { nodes: ["git1", "web1"], systems: ["web1-v1-on-web1", "web1-v2-on-web1", "web1-v3-on-web1"] },
  prebuilt: { nodes: ["git1", "web1"], systems: ["web1-v1-on-web1", "web1-v2-on-web1"] },
  "health-rollback": { nodes: ["git1", "web1"], systems: ["web1-v1-on-web1", "web1-v2-on-web1", "web1-v3-on-web1", "web1-v4-on-web1"] },
  "reboot-coordination": { nodes: ["etcd1", "git1", "web1", "web2"], systems: ["web1-v1-on-web1", "web2-v1-on-web2"] },
};
/** Nodes that run no agent (servers of the suites). */
const NOT_AGENTS = /^(git|etcd)/;

function nixFilesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) found.push(...nixFilesUnder(relative));
    else if (entry.name.endsWith(".nix") || entry.name.endsWith(".nix.in")) found.push(relative);
  }
  return found.sort();
}

/** What every script starts with (nixos-tests/lib/fleet.nix, `pythonHelpers`). */
const helpers = ["helpers.py", "machine.py"].map((file) => readFileSync(path.join(REPO_ROOT, "nixos-tests", "lib", file), "utf8")).join("\n\n");

// One evaluation for all the tests below (about a second).
let evaluation: Promise<Record<string, SuiteSummary>> | undefined;
function suites(): Promise<Record<string, SuiteSummary>> {
  evaluation ??= evaluateSuites();
  return evaluation;
}

async function suite(name: string): Promise<SuiteSummary> {
  const found = (await suites())[name];
  if (!found) throw new Error(`nixos-tests/default.nix has no suite ${name}`);
  return found;
}

/** The script without the shared helpers in front of it. */
function ownPart(script: string): string {
  const start = script.indexOf(helpers);
  return start === -1 ? script : script.slice(start + helpers.length);
}

const nixFiles = nixFilesUnder("nixos-tests");

test("the suites, their shared files and the fleet template are all found", (t) => {
  const expected = [
    ...Object.keys(SUITES).map((name) => `nixos-tests/${name}.nix`),
    "nixos-tests/default.nix",
    "nixos-tests/lib/fleet.nix",
    "nixos-tests/fleet/base.nix",
    "nixos-tests/fleet/hosts.nix",
    "nixos-tests/fleet/state.nix",
    "nixos-tests/fleet/flake.nix.in",
  ];

  const missing = expected.filter((file) => !nixFiles.includes(file));

  t.deepEqual(missing, []);
});

for (const file of nixFiles) {
  test(`${file} parses`, async (t) => {
    const result = await execa("nix-instantiate", ["--parse", file], { cwd: REPO_ROOT, reject: false, stdin: "ignore", timeout: 30_000 });

    t.is(result.exitCode, 0, result.stderr);
  });
}

test("default.nix lists exactly the suites above", async (t) => {
  const names = await evalJson<string[]>(`
    let stubs = import ./test/nixos-tests/stubs.nix;
    in builtins.attrNames (import ./nixos-tests/default.nix { inherit (stubs) pkgs self; })
  `);

  t.deepEqual(names, Object.keys(SUITES).sort());
});

for (const [name, expected] of Object.entries(SUITES)) {
  test(`${name}: its name, nodes, global timeout and test script`, async (t) => {
    const summary = await suite(name);

    t.is(summary.name, `comin-${name}`);
    t.deepEqual(summary.nodes, expected.nodes);
    t.true(summary.nodeModulesAreFunctions, "node modules take their module arguments");
    t.true(summary.globalTimeout !== null && summary.globalTimeout <= 3600, `globalTimeout ${String(summary.globalTimeout)}`);
    t.true(summary.testScript.startsWith(helpers), "the script starts with nixos-tests/lib/helpers.py and machine.py");
    t.regex(ownPart(summary.testScript), /with subtest\(/);
  });

  test(`${name}: its test script compiles and passes the driver's lint`, async (t) => {
    const summary = await suite(name);

    const result = await lintScript(t, summary.testScript, summary.nodes);

    t.deepEqual(result.problems, [], result.stderr);
    t.is(result.exitCode, 0, result.stderr);
  });

  test(`${name}: the first subtest is the guard on the prebuilt system`, async (t) => {
    const own = ownPart((await suite(name)).testScript);

    const first = /^with subtest\("([^"]*)"\):\n/m.exec(own);
    const beforeGuard = first ? own.slice(0, first.index) : own;
    const guardBody = first ? (own.slice(first.index + first[0].length).split(/^\S/m)[0] ?? "") : "";
    const firstLookAtAgent = AGENT_CALL.exec(guardBody)?.[1];

    t.truthy(first, "the script has a subtest");
    t.is(first?.[1], GUARD_TITLE);
    t.is(firstLookAtAgent, "assert_prebuilt", "the guard is the first look at the agent");
    t.notRegex(beforeGuard, DEPLOYMENT_WAIT, "no deployment is awaited before the guard");
  });

  test(`${name}: each agent's first switch is expected, a reboot needed for the node's initrd, the driver's shell kept`, async (t) => {
    const own = ownPart((await suite(name)).testScript);
    const guard = own.indexOf(`with subtest("${GUARD_TITLE}")`);

    const agents = expected.nodes.filter((node) => !NOT_AGENTS.test(node));

    t.true(agents.length > 0);
    for (const agent of agents) {
      const recorded = own.indexOf(`${agent}_backdoor = backdoor_invocation(${agent})\n`);
      t.true(recorded !== -1 && recorded < guard, `${agent}: backdoor.service's invocation is recorded before the guard`);
      t.true(own.includes(`assert_first_switch(${agent}, ${agent}_backdoor)`), `${agent}: its first switch is expected`);
    }
  });

  test(`${name}: its script expects exactly the systems prebuilt for its nodes`, async (t) => {
    const own = ownPart((await suite(name)).testScript);

    const systems = [...new Set([...own.matchAll(/-nixos-system-([\w.-]+?)"/g)].map((match) => match[1]))].sort();

    t.deepEqual(systems, [...expected.systems].sort());
  });
}

// With a timeout, the driver's wait_for_console_text takes one queued line a second, behind
// thousands from the boot.
test("no suite waits on the console; the reboot suite waits for QEMU to stop, then boots web1 with its clock", async (t) => {
  const scripts = Object.fromEntries(Object.entries(await suites()).map(([name, summary]) => [name, ownPart(summary.testScript)]));
  const reboots = scripts.reboots ?? "";

  const consoleWaits = Object.keys(scripts).filter((name) => /wait_for_console_text\(/.test(scripts[name] ?? ""));
  const down = reboots.indexOf("wait_for_reboot(web1)");
  const up = reboots.indexOf("boot_into(web1, web1_v1, clock_after(in_window))");

  t.deepEqual(consoleWaits, []);
  t.true(down !== -1 && up > down, "the reboot suite restarts web1 once it is down, its clock where it was");
});

test("the lint reports what the driver's pyflakes would reject, and sleeping", async (t) => {
  const script = [
    "import json",
    "import re",
    "import json",
    'label = f"no placeholder"',
    "def wait(machine):",
    "    unused = 1",
    "    return machine.succeed(undefined_command)",
    'web1.succeed("sleep 5")',
    'print(f"{label:>{10}}", web1, retry, t, subtest, polling_condition, start_all)',
  ].join("\n");

  const result = await lintScript(t, script, ["web1"]);

  t.is(result.exitCode, 1);
  t.deepEqual(result.problems, [
    "undefined name 'undefined_command' (in wait)",
    "line 1: 'json' imported but unused",
    "line 2: 're' imported but unused",
    "line 3: 'json' imported again (first on line 1)",
    "line 3: 'json' imported but unused",
    "line 4: f-string is missing placeholders",
    "line 6: local variable 'unused' is assigned to but never used",
    "line 8: sleeps (wait for a condition with a deadline instead)",
  ]);
});

test("the lint reports a syntax error, and a machine that is not a node", async (t) => {
  const broken = await lintScript(t, "with subtest('x'):\nweb1.start()\n", ["web1"]);
  const stranger = await lintScript(t, "web9.start()\n", ["web1"]);

  t.is(broken.exitCode, 1);
  t.regex(broken.problems[0] ?? "", /^line 2: syntax error/);
  t.deepEqual(stranger.problems, ["undefined name 'web9' (in top)"]);
});

test("the fleet flake, filled in, parses and points at the outer nixpkgs and comin", async (t) => {
  const { flake, nixpkgsPath, cominPath } = await evalJson<{ flake: string; nixpkgsPath: string; cominPath: string }>(`
    let
      stubs = import ./test/nixos-tests/stubs.nix;
      fleet = import ./nixos-tests/lib/fleet.nix { inherit (stubs) self nixpkgs hostPkgs; } {
        scenario = ./nixos-tests/fleet/scenarios/branch-semantics.nix;
        hosts = [ "web1" ];
        states.v1.marker = "v1";
      };
    in { flake = fleet.flakeNix; nixpkgsPath = stubs.nixpkgs.outPath; cominPath = stubs.self.outPath; }
  `);
  const dir = await tempDir(t, "comin-vm-flake-");
  await writeFile(path.join(dir, "flake.nix"), flake);

  const parsed = await execa("nix-instantiate", ["--parse", path.join(dir, "flake.nix")], { reject: false, stdin: "ignore" });

  t.is(parsed.exitCode, 0, parsed.stderr);
  t.true(flake.includes(`inputs.nixpkgs.url = "path:${nixpkgsPath}?rev=0123456789abcdef0123456789abcdef01234567&lastModified=1700000000";`), flake);
  t.true(flake.includes(`inputs.comin.url = "path:${cominPath}";`), flake);
  t.false(flake.includes("@"), "every placeholder is filled");
});

test("the fleet repository holds the flake, its modules, every state and the nodes' networks", async (t) => {
  const files = await evalJson<{ name: string; fromRepository: boolean }[]>(`
    let
      stubs = import ./test/nixos-tests/stubs.nix;
      fleet = import ./nixos-tests/lib/fleet.nix { inherit (stubs) self nixpkgs hostPkgs; } {
        scenario = ./nixos-tests/fleet/scenarios/migration.nix;
        hosts = [ "web" ];
        networks = [ "oldweb" "newweb" ];
        states = { m1.marker = "m1"; m2.marker = "m2"; };
      };
      nodes = stubs.nodesOf { oldweb = null; newweb = null; };
    in map (file: { inherit (file) name; fromRepository = file ? path; }) (fleet.sourceFiles nodes)
  `);

  t.deepEqual(
    files.map((file) => file.name),
    ["flake.nix", "fleet.json", "hosts.nix", "base.nix", "nix-offline.nix", "state.nix", "scenario.nix", "net/oldweb.json", "net/newweb.json", "states/m1.json", "states/m2.json"],
  );
  t.deepEqual(
    files.filter((file) => file.fromRepository).map((file) => file.name),
    ["hosts.nix", "base.nix", "nix-offline.nix", "state.nix", "scenario.nix"],
  );
});
