/**
 * The real daemon with a wall clock the test moves (behaviour.md §8: clocks jump): windows
 * re-checked every 10 s with no other trigger, the reboot recorded before its command runs and run
 * once per (current, booted) pair, a failing command tried again after 10 minutes, the counters on
 * /metrics, and "unknown" logged once.
 */
import test from "ava";
import { readFile, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { buildTestSystem } from "../../scripts/lib/test-system.js";
import { ClockShift } from "../helpers/clock-shift.js";
import { createMachine, Daemon, deployed, FleetRepo, localRemote, tempDir, waitForState } from "../helpers/daemon.js";
import { EventLog } from "../helpers/events.js";
import { freePort, writeExecutable } from "../helpers/temp.js";

const MINUTE = 60_000;
const hhmm = (date: Date) => date.toISOString().slice(11, 16);
const lines = (file: string) => readFile(file, "utf8").then((text) => text.split("\n").filter(Boolean), () => [] as string[]);
/** No polling: only the start-up fetch, the window re-check and what the test asks kick the agent. */
const quietRemote = (url: string) => localRemote("origin", url, { poll: { interval: 0 } });

/** A reboot command that logs each run, keeps a copy of state.json as it was then, and exits `code`. */
async function rebootScript(dir: string, stateFile: string, code: number): Promise<{ command: string[]; runs: string; snapshot: string }> {
  const command = path.join(dir, "reboot-command");
  const runs = path.join(dir, "reboot-runs");
  const snapshot = path.join(dir, "state-when-rebooting.json");
  await writeExecutable(command, `#!/bin/sh\necho run >> '${runs}'\ncp '${stateFile}' '${snapshot}'\nexit ${code}\n`);
  return { command: [command], runs, snapshot };
}

test("§8 a clock moved into the window reboots within the 10 s re-check with no other trigger; recorded first, run once per pair, counted on /metrics", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const clock = await ClockShift.create(dir);
  const port = await freePort();
  const window = { from: hhmm(new Date(Date.now() + 120 * MINUTE)), to: hhmm(new Date(Date.now() + 180 * MINUTE)), timeZone: "UTC" };
  const machine = await createMachine(dir, "web1", { remotes: [quietRemote(fleet.dir)], exporter: { listenAddress: "127.0.0.1", port } });
  const reboot = await rebootScript(dir, path.join(machine.stateDir, "state.json"), 0);
  const config = JSON.parse(await readFile(machine.configFile, "utf8"));
  config.reboot = { policy: "when-needed", windows: [window], command: reboot.command };
  await writeFile(machine.configFile, JSON.stringify(config));
  const commit = await fleet.commit({ web1: machine.host({ variant: "v2", kernel: "kernel-2" }) }, "new kernel");
  const daemon = await Daemon.start(t, machine, clock.env());
  await daemon.waitFor((s) => deployed(commit, "switch")(s) && s.needToReboot && (s.pending ?? "").startsWith("a reboot in the window"), 60_000, "the reboot to wait for its window");
  const events = await EventLog.open(t, daemon.socket);

  await clock.shift(125 * MINUTE);
  const shiftedAt = Date.now();
  const rebootEvent = await events.waitFor("reboot", () => true, 15_000, "the reboot after the clock jump");
  const elapsed = Date.now() - shiftedAt;

  t.true(elapsed < 12_000, `the reboot came ${elapsed} ms after the jump: windows are re-checked at least every 10 s`);
  t.regex(rebootEvent.reboot.reason, /kernel|initrd/);
  await daemon.waitFor((s) => s.pending !== "a reboot", 10_000, "the reboot command to end");
  const snapshot = JSON.parse(await readFile(reboot.snapshot, "utf8")) as { deployments: { kind: string; reason?: string }[]; rebootAttempt: { ok: boolean; error: string | null } | null };
  t.true(snapshot.deployments.some((entry) => entry.kind === "reboot"), "the reboot is in state.json before its command runs");
  t.like(snapshot.rebootAttempt, { ok: false, error: "the reboot command has not finished" });

  // The command succeeded; the agent is asked again (fetch rounds) and must not run it a second time.
  for (let i = 0; i < 2; i++) t.is((await daemon.call<unknown>("POST", "/v1/fetch", { wait: true })).status, 200);
  const status = await daemon.status();
  t.deepEqual(await lines(reboot.runs), ["run"], "once per (current, booted) pair while the machine stays up");
  t.is(events.ofType("reboot").length, 1);
  t.not(status?.lastReboot, null);
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  t.regex(metrics, /^comin_reboots_total 1$/m);
  t.regex(metrics, /^comin_need_to_reboot 1$/m);
});

test("§8 a failing reboot command is recorded, not run again within 10 minutes, and run again after", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const clock = await ClockShift.create(dir);
  const machine = await createMachine(dir, "web1", { remotes: [quietRemote(fleet.dir)] });
  const reboot = await rebootScript(dir, path.join(machine.stateDir, "state.json"), 1);
  const config = JSON.parse(await readFile(machine.configFile, "utf8"));
  config.reboot = { policy: "when-needed", command: reboot.command };
  await writeFile(machine.configFile, JSON.stringify(config));
  const commit = await fleet.commit({ web1: machine.host({ variant: "v2", kernel: "kernel-2" }) }, "new kernel");
  const daemon = await Daemon.start(t, machine, clock.env());

  const failed = await daemon.waitFor((s) => deployed(commit, "switch")(s) && /the reboot command failed, next try at/.test(s.pending ?? ""), 60_000, "the failed reboot command");
  const state = await waitForState<{ rebootAttempt: { ok: boolean; error: string | null; at: string } }>(machine, (s) => Boolean(s.rebootAttempt), "the reboot attempt");
  t.false(state.rebootAttempt.ok);
  t.regex(state.rebootAttempt.error ?? "", /reboot command/);
  t.not(failed.lastReboot, null, "the attempt is in the history");
  const nextTry = new Date(Date.parse(state.rebootAttempt.at) + 10 * MINUTE).toISOString();
  t.is(failed.pending, `a reboot: the reboot command failed, next try at ${nextTry}`);

  await clock.shift(9 * MINUTE);
  await daemon.call<unknown>("POST", "/v1/fetch", { wait: true });
  t.deepEqual(await lines(reboot.runs), ["run"], "not again within 10 minutes");

  await clock.shift(2 * MINUTE);
  await daemon.call<unknown>("POST", "/v1/fetch", { wait: true });
  for (const deadline = Date.now() + 10_000; (await lines(reboot.runs)).length < 2 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
  t.deepEqual(await lines(reboot.runs), ["run", "run"], "tried again after 10 minutes");
});

test("§8 a booted system without kernel links: no reboot needed, and \"unknown\" is logged once", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)] });
  const bare = await buildTestSystem(machine.root, "no-kernel", { variant: "no-kernel", record: machine.record });
  await rm(machine.paths.bootedSystem);
  await symlink(bare, machine.paths.bootedSystem);
  const first = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "first");
  const daemon = await Daemon.start(t, machine);
  await daemon.waitFor(deployed(first, "switch"), 60_000, "the first deployment");

  const second = await fleet.commit({ web1: machine.host({ variant: "v2", kernel: "kernel-2" }) }, "second");
  const status = await daemon.waitFor(deployed(second, "switch"), 60_000, "the second deployment");
  await daemon.call<unknown>("POST", "/v1/fetch", { wait: true });

  t.false(status.needToReboot);
  const unknown = daemon.lines.filter((line) => line.includes("cannot tell whether a reboot is needed"));
  t.is(unknown.length, 1, "checked at start-up and after each deployment, logged once");
});
