/**
 * The real daemon with a fleet reboot lock (behaviour.md §16): a real etcd on loopback, and a
 * FleetLock fixture server. The reboot command writes a marker; the "reboot" itself is simulated by
 * stopping the agent, pointing the booted system at the current one and starting it again.
 */
import test from "ava";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { CLI, createMachine, Daemon, FleetRepo, localRemote, tempDir, waitUntil, type Machine } from "../helpers/daemon.js";
import { Etcd } from "../helpers/etcd.js";
import { FleetLockServer } from "../helpers/fleetlock.js";
import { bootIntoCurrent, coordinatedReboot, etcdCoordination, exists, machineIdOf, type Coordination } from "../helpers/reboot-lock.js";
import type { Teardown } from "../helpers/temp.js";

const KEY = "/comin/reboot-lock/default";

/** A machine whose next commit changes its kernel, with `coordination`; returns its marker too. */
async function kernelBump(dir: string, coordination: Coordination, extra: Record<string, unknown> = {}) {
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const marker = path.join(dir, "rebooted");
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], reboot: coordinatedReboot(coordination, marker), ...extra });
  await fleet.commit({ web1: machine.host({ variant: "v2", kernel: "kernel-2" }) }, "new kernel");
  return { machine, marker, id: await machineIdOf(machine) };
}

/** Stops the agent, boots the machine into its current system, starts the agent again. */
async function rebootInto(t: Teardown, daemon: Daemon, machine: Machine): Promise<Daemon> {
  await daemon.stop();
  await bootIntoCurrent(machine);
  return Daemon.start(t, machine);
}

test("etcd: a kernel change inside a window takes a slot, reboots, and gives the slot back once up in the new system", async (t) => {
  const dir = await tempDir(t);
  const etcd = await Etcd.start(t, dir);
  const { machine, marker, id } = await kernelBump(dir, etcdConfig(etcd));

  let daemon = await Daemon.start(t, machine);
  const rebooting = await daemon.waitFor((s) => s.lastReboot !== null, 60_000, "the reboot");
  await waitUntil(() => exists(marker), "the reboot command's marker");
  const heldDuringReboot = await etcd.holders(KEY);
  daemon = await rebootInto(t, daemon, machine);
  const back = await daemon.waitFor((s) => s.rebootLock?.held === false, 20_000, "the slot given back after the boot");

  t.deepEqual(heldDuringReboot, [id], "the slot is held in etcd across the reboot");
  t.like(rebooting.rebootLock, { backend: "etcd", group: "default", slots: 1, held: true, holders: [id], error: null });
  t.false(back.needToReboot);
  t.deepEqual(await etcd.holders(KEY), []);
  t.deepEqual(back.rebootLock?.holders, []);
});

test("etcd down when the machine comes back: the slot stays recorded, and is given back once etcd answers", async (t) => {
  const dir = await tempDir(t);
  const etcd = await Etcd.start(t, dir);
  const { machine, marker } = await kernelBump(dir, etcdConfig(etcd));

  let daemon = await Daemon.start(t, machine);
  await daemon.waitFor((s) => s.lastReboot !== null, 60_000, "the reboot");
  await waitUntil(() => exists(marker), "the reboot command's marker");
  await etcd.stop();
  daemon = await rebootInto(t, daemon, machine);
  const stuck = await daemon.waitFor((s) => s.rebootLock?.error !== null && s.rebootLock?.error !== undefined, 30_000, "the failed release");
  await etcd.resume();
  await daemon.waitFor((s) => s.rebootLock?.held === false && s.rebootLock.error === null, 30_000, "the release once etcd is back");

  t.true(stuck.rebootLock?.held, "still held while etcd cannot be told");
  t.regex(stuck.rebootLock?.error ?? "", /ECONNREFUSED/);
  t.deepEqual(await etcd.holders(KEY), []);
});

test("etcd down: no reboot, the status says why; once etcd is back the reboot happens", async (t) => {
  const dir = await tempDir(t);
  const etcd = await Etcd.start(t, dir);
  await etcd.stop();
  const { machine, marker, id } = await kernelBump(dir, etcdConfig(etcd));

  const daemon = await Daemon.start(t, machine);
  const waiting = await daemon.waitFor((s) => s.needToReboot && /reboot lock/.test(s.pending ?? ""), 60_000, "the fail-closed wait");
  await etcd.resume();
  const rebooted = await daemon.waitFor((s) => s.lastReboot !== null, 30_000, "the reboot once etcd is back");
  await waitUntil(() => exists(marker), "the reboot command's marker");

  t.regex(waiting.pending ?? "", /^waiting for the reboot lock, which cannot be reached: no reboot until it answers \(next try at .+\): etcd: http:\/\/127\.0\.0\.1:\d+\/v3\/kv\/range: .*ECONNREFUSED/);
  t.regex(waiting.rebootLock?.error ?? "", /ECONNREFUSED/);
  t.is(waiting.lastReboot, null);
  t.is(rebooted.rebootLock?.error, null);
  t.deepEqual(await etcd.holders(KEY), [id]);
});

test("etcd: no free slot, no reboot; the pending reason names the holders; a freed slot lets it reboot", async (t) => {
  const dir = await tempDir(t);
  const etcd = await Etcd.start(t, dir);
  await etcd.put(KEY, { slots: 1, holders: ["db1-machine-id"] });
  const { machine, marker, id } = await kernelBump(dir, etcdConfig(etcd));

  const daemon = await Daemon.start(t, machine);
  const waiting = await daemon.waitFor((s) => s.needToReboot && (s.pending ?? "").startsWith("waiting for a reboot slot"), 60_000, "the wait for a slot");
  const shown = await execa(process.execPath, [CLI, "reboot-lock", "status", "--json", "--socket", daemon.socket]);
  const released = await execa(process.execPath, [CLI, "reboot-lock", "release", "--id", "db1-machine-id", "--socket", daemon.socket]);
  await daemon.waitFor((s) => s.lastReboot !== null, 30_000, "the reboot once the slot is free");

  t.is(waiting.pending, "waiting for a reboot slot (group default: 1/1 held by db1-machine-id)");
  t.like(JSON.parse(shown.stdout), { backend: "etcd", group: "default", slots: 1, holders: ["db1-machine-id"], held: false, error: null });
  t.is(released.stdout, "Released the slot of db1-machine-id (group default).");
  await waitUntil(() => exists(marker), "the reboot command's marker");
  t.deepEqual(await etcd.holders(KEY), [id]);
});

test("with health set, a machine whose post-boot verification does not pass keeps its slot", async (t) => {
  const dir = await tempDir(t);
  const etcd = await Etcd.start(t, dir);
  const flag = path.join(dir, "healthy");
  await writeFile(flag, "");
  // Healthy while the flag exists (the deployment's own verification passes); gone across the reboot.
  const health = { checks: [{ name: "flag", command: ["/usr/bin/test", "-e", flag], timeout: "2s" }], gracePeriod: "1s", interval: "1s", timeout: "5s", onFailure: "report" };
  const { machine, marker, id } = await kernelBump(dir, etcdConfig(etcd), { health });

  let daemon = await Daemon.start(t, machine);
  await daemon.waitFor((s) => s.lastReboot !== null, 60_000, "the reboot");
  await waitUntil(() => exists(marker), "the reboot command's marker");
  await rm(flag);
  daemon = await rebootInto(t, daemon, machine);
  await daemon.waitFor((s) => !s.needToReboot, 20_000, "the agent back in the new system");
  await waitUntil(async () => daemon.lines.some((line) => line.includes("keeping the reboot slot") && line.includes("post-boot health verification")), "the keep decision in the log", 30_000);

  t.deepEqual(await etcd.holders(KEY), [id]);
  t.true((await daemon.status())?.rebootLock?.held);
});

test("FleetLock: a refused pre-reboot means no reboot; granted, the machine reboots and reports steady-state after the boot", async (t) => {
  const dir = await tempDir(t);
  const server = await FleetLockServer.start(t);
  server.refuse = true;
  const { machine, marker, id } = await kernelBump(dir, { fleetLock: { url: server.url }, group: "web" });

  let daemon = await Daemon.start(t, machine);
  const refused = await daemon.waitFor((s) => (s.pending ?? "").startsWith("waiting for a reboot slot"), 60_000, "the refused pre-reboot");
  server.refuse = false;
  await daemon.waitFor((s) => s.lastReboot !== null, 30_000, "the reboot once granted");
  await waitUntil(() => exists(marker), "the reboot command's marker");
  const holdersDuringReboot = [...server.holders];
  daemon = await rebootInto(t, daemon, machine);
  await daemon.waitFor((s) => s.rebootLock?.held === false, 20_000, "the steady-state report");

  t.is(refused.pending, "waiting for a reboot slot (group web: the FleetLock server refused (HTTP 409 failed_lock: semaphore is full))");
  t.is(refused.lastReboot, null);
  t.deepEqual(holdersDuringReboot, [id]);
  t.deepEqual([...server.holders], []);
  const paths = server.requests.map((r) => r.path);
  t.true(paths.includes("/v1/pre-reboot"));
  t.is(paths.at(-1), "/v1/steady-state");
  for (const request of server.requests) {
    t.is(request.header, "true");
    t.deepEqual(request.body, { client_params: { id, group: "web" } });
  }
});

function etcdConfig(etcd: Etcd): Coordination {
  return etcdCoordination(etcd.endpoint);
}
