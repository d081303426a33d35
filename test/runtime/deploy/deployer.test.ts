import { lstat, mkdir, readdir, readlink, realpath, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import test from "ava";
import { StageError } from "../../../runtime/errors.js";
import { silentLogger } from "../../../runtime/log.js";
import { activate, ActivationError } from "../../../runtime/deploy/deployer.js";
import { buildTestSystem, createMachineRoot, type MachineRoot, type TestHost } from "../../../scripts/lib/test-system.js";
import { recordedCalls, tempDir, type Teardown } from "../../helpers/nix.js";

interface Fixture {
  dir: string;
  machine: MachineRoot;
  record: string;
  initial: string;
  /** Builds another system for this machine. */
  system(name: string, extra?: Partial<TestHost>): Promise<string>;
}

async function fixture(t: Teardown, initialExtra: Partial<TestHost> = {}): Promise<Fixture> {
  const dir = await tempDir(t, "comin-deploy-");
  const record = path.join(dir, "switch.log");
  const currentSystemLink = path.join(dir, "root/run/current-system");
  const system = (name: string, extra: Partial<TestHost> = {}) => buildTestSystem(dir, name, { record, currentSystemLink, variant: name, ...extra });
  const initial = await system("initial", initialExtra);
  const machine = await createMachineRoot(path.join(dir, "root"), { system: initial });
  return { dir, machine, record, initial, system };
}

function deploy(f: Fixture, outPath: string, operation: "switch" | "test" | "boot", extra: { keepProfileLinks?: string[]; timeoutSec?: number } = {}) {
  return activate({ outPath, operation, paths: f.machine.paths, timeoutSec: extra.timeoutSec ?? 60, keepProfileLinks: extra.keepProfileLinks ?? [], log: silentLogger });
}

async function profileEntries(f: Fixture): Promise<string[]> {
  return (await readdir(path.dirname(f.machine.paths.profile))).sort();
}

test("switch sets the profile, then calls switch-to-configuration switch", async (t) => {
  const f = await fixture(t);
  const next = await f.system("next");
  const lines: string[] = [];

  const result = await activate({ outPath: next, operation: "switch", paths: f.machine.paths, timeoutSec: 60, keepProfileLinks: [], log: silentLogger, onLine: (l) => lines.push(l) });

  t.deepEqual(result, { operation: "switch", reason: null, profilePath: `${f.machine.paths.profile}-1-link`, unitChanged: false });
  t.is(await realpath(f.machine.paths.profile), next);
  t.deepEqual(await recordedCalls(f.record), [["switch", next]]);
  t.is(await realpath(f.machine.paths.currentSystem), next, "the fake repointed current-system, as NixOS does");
});

test("test never touches profiles", async (t) => {
  const f = await fixture(t);
  const next = await f.system("next");

  const result = await deploy(f, next, "test");

  t.deepEqual(result, { operation: "test", reason: null, profilePath: null, unitChanged: false });
  await t.throwsAsync(lstat(path.dirname(f.machine.paths.profile) + "/comin"), undefined, "no profile was created");
  t.deepEqual(await recordedCalls(f.record), [["test", next]]);
  t.is(await realpath(f.machine.paths.currentSystem), next);
});

test("boot sets the profile and calls boot; the running system stays", async (t) => {
  const f = await fixture(t);
  const next = await f.system("next");

  const result = await deploy(f, next, "boot");

  t.is(result.operation, "boot");
  t.is(result.profilePath, `${f.machine.paths.profile}-1-link`);
  t.is(await realpath(f.machine.paths.profile), next);
  t.deepEqual(await recordedCalls(f.record), [["boot", next]]);
  t.is(await realpath(f.machine.paths.currentSystem), f.initial);
});

test("pruning removes only this profile's old generations: never the booted one, never foreign files", async (t) => {
  const f = await fixture(t);
  const [a, b, c] = [await f.system("a"), await f.system("b"), await f.system("c")];
  const dir = path.dirname(f.machine.paths.profile);
  const booted = await deploy(f, f.initial, "switch");
  await deploy(f, a, "switch", { keepProfileLinks: [booted.profilePath ?? ""] });
  await mkdir(dir, { recursive: true });
  await symlink(a, path.join(dir, "other-1-link"));
  await symlink(a, path.join(dir, "other"));
  await symlink(a, path.join(dir, "comin-foo"));
  await symlink(a, path.join(dir, "cominx-7-link"));
  await writeFile(path.join(dir, "notes.txt"), "not a generation");
  const kept = await deploy(f, b, "switch");

  const result = await deploy(f, c, "switch", { keepProfileLinks: [kept.profilePath ?? ""] });

  t.is(result.profilePath, path.join(dir, "comin-4-link"));
  t.deepEqual(await profileEntries(f), ["comin", "comin-1-link", "comin-3-link", "comin-4-link", "comin-foo", "cominx-7-link", "notes.txt", "other", "other-1-link"]);
  t.is(await realpath(path.join(dir, "comin-1-link")), f.initial, "the booted system's generation is kept although nobody asked");
  t.is(await readlink(path.join(dir, "comin-3-link")), b);
});

test("changed switch inhibitors turn switch into boot", async (t) => {
  const f = await fixture(t, { inhibitors: { systemd: "254.1", dbus: "1.14" } });
  const next = await f.system("next", { inhibitors: { systemd: "255.2", dbus: "1.14", extra: "only in the new system" } });

  const result = await deploy(f, next, "switch");

  t.is(result.operation, "boot");
  t.regex(result.reason ?? "", /switch inhibitors changed \(systemd\): using "boot" instead of "switch"/);
  t.is(await realpath(f.machine.paths.profile), next);
  t.deepEqual(await recordedCalls(f.record), [["boot", next]]);
});

test("changed switch inhibitors skip test", async (t) => {
  const f = await fixture(t, { inhibitors: { systemd: "254.1" } });
  const next = await f.system("next", { inhibitors: { systemd: "255.2" } });

  const result = await deploy(f, next, "test");

  t.deepEqual(result, { operation: null, reason: 'switch inhibitors changed (systemd): "test" is not possible, the deployment is skipped', profilePath: null, unitChanged: false });
  t.deepEqual(await recordedCalls(f.record), []);
});

test("inhibitors that only one side has, or that are equal, change nothing", async (t) => {
  const f = await fixture(t, { inhibitors: { systemd: "254.1", old: "x" } });
  const next = await f.system("next", { inhibitors: { systemd: "254.1", new: "y" } });

  const result = await deploy(f, next, "switch");

  t.is(result.operation, "switch");
  t.is(result.reason, null);
});

for (const [side, current, next] of [
  ["the new system's", { inhibitors: { systemd: "254.1" } }, { inhibitorsText: '{ "systemd": "255.2", ' }],
  ["the current system's", { inhibitorsText: "not json at all" }, { inhibitors: { systemd: "255.2" } }],
  ["both systems'", { inhibitorsText: "[not json" }, { inhibitorsText: "{not json either" }],
] as const) {
  test(`§7.3 invalid switch-inhibitors JSON (${side}) counts as empty: switch stays switch`, async (t) => {
    const f = await fixture(t, current);
    const nextSystem = await f.system("next", next);

    const result = await deploy(f, nextSystem, "switch");

    t.is(result.operation, "switch");
    t.is(result.reason, null);
    t.deepEqual(await recordedCalls(f.record), [["switch", nextSystem]]);
  });
}

test("a failing switch-to-configuration fails the activation, with the profile already set", async (t) => {
  const f = await fixture(t);
  const next = await f.system("next", { switchFails: true });

  const error = await t.throwsAsync(deploy(f, next, "switch"), { instanceOf: ActivationError });

  t.true(error instanceof StageError);
  t.is(error?.kind, "failed");
  t.regex(error?.message ?? "", /^switch-to-configuration switch failed \(exit code 1\): switch-to-configuration: activation failed \(test fixture\)/);
  t.is(error?.result.profilePath, `${f.machine.paths.profile}-1-link`);
  t.deepEqual(await recordedCalls(f.record), [["switch", next]]);
});

test("a switch-to-configuration that runs too long times out", async (t) => {
  const f = await fixture(t);
  const next = await f.system("next", { switchSleepSec: 60 });

  const error = await t.throwsAsync(deploy(f, next, "test", { timeoutSec: 1 }), { instanceOf: StageError });

  t.is(error?.kind, "timeout");
  t.is(error?.message, "switch-to-configuration test timed out after 1s");
  t.deepEqual(await recordedCalls(f.record), [], "the sleeping script was killed before recording");
});
