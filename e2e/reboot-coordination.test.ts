/**
 * Fleet reboot coordination in a lab network (behaviour.md §16): one etcd node, four machines whose
 * kernel changes in the same window. A watcher on the lock's key (`etcdctl watch`, every revision)
 * checks that never more than `slots` machines hold a slot; each machine that runs its reboot
 * command is "rebooted" by the test (agent stopped, booted system = current, agent started again)
 * and gives its slot back; in the end all four rebooted and the key holds no one.
 */
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import test, { type ExecutionContext } from "ava";
import { CLI, Daemon } from "../test/helpers/daemon.js";
import { Etcd } from "../test/helpers/etcd.js";
import { waitFor } from "../test/helpers/git.js";
import { bootIntoCurrent, coordinatedReboot, etcdCoordination, exists, machineIdOf } from "../test/helpers/reboot-lock.js";
import { labRemote, startMachine, type LabMachine } from "./fleet.js";
import { registerLabHooks, startScenario } from "./scenario.js";

registerLabHooks(test);

const KEY = "/comin/reboot-lock/default";
const HOSTS = ["m1", "m2", "m3", "m4"];

async function rollingReboot(t: ExecutionContext, slots: number): Promise<void> {
  const { dir, lab, servers, fleet, publish } = await startScenario(t);
  const etcdNode = await lab.addNode("etcd");
  const etcd = await Etcd.start(t, path.join(dir, "etcd"), { host: etcdNode.address, clientPort: 2379, peerPort: 2380, wrap: (file, args) => lab.command(etcdNode, file, args) });
  const seen: string[][] = [];
  etcd.watch(t, KEY, (value) => seen.push((value as { holders: string[] }).holders));
  const marker = (hostname: string) => path.join(dir, `rebooted-${hostname}`);
  const coordination = etcdCoordination(etcd.endpoint, { slots });
  const machines = await Promise.all(
    HOSTS.map((hostname) => startMachine(t, lab, dir, hostname, [labRemote("origin", servers[0]!)], { config: { reboot: coordinatedReboot(coordination, marker(hostname)) } })),
  );
  const ids = await Promise.all(machines.map((m) => machineIdOf(m.machine)));

  await fleet.commit(Object.fromEntries(machines.map((m) => [m.machine.hostname, m.machine.host({ variant: "v2", kernel: "kernel-2" })])), "new kernel for everyone");
  await publish();
  const order: string[] = [];
  await Promise.all(
    machines.map(async (m) => {
      await waitFor(() => exists(marker(m.machine.hostname)), { timeoutMs: 150_000, intervalMs: 100, message: `${m.machine.hostname} never ran its reboot command` });
      order.push(m.machine.hostname);
      await reboot(t, lab.command.bind(lab), m);
      await m.daemon.waitFor((s) => !s.needToReboot && s.rebootLock?.held === false, 30_000, "the slot given back after the boot");
    }),
  );

  t.is(order.length, HOSTS.length, "every machine rebooted");
  t.true(seen.length >= 2 * HOSTS.length, `the watcher saw every take and release (${seen.length} values)`);
  t.true(Math.max(...seen.map((holders) => holders.length)) <= slots, `never more than ${slots} holder(s): ${JSON.stringify(seen)}`);
  if (slots > 1) t.true(seen.some((holders) => holders.length === slots), "the slots were used side by side");
  for (const id of ids) t.true(seen.some((holders) => holders.includes(id)), `${id} held a slot`);
  t.deepEqual(await etcd.holders(KEY), [], "the key ends empty");
}

/** The machine goes down and comes back in its current system, with its agent. */
async function reboot(t: ExecutionContext, command: (node: LabMachine["node"], file: string, args: string[]) => [string, string[]], m: LabMachine): Promise<void> {
  await m.daemon.stop();
  await bootIntoCurrent(m.machine);
  m.daemon = await Daemon.start(t, m.machine, {}, (file, args) => command(m.node, file, args));
}

test("a machine that comes back unhealthy keeps its slot and the others wait, until an operator releases it", async (t) => {
  const { dir, lab, servers, fleet, publish } = await startScenario(t);
  const etcdNode = await lab.addNode("etcd");
  const etcd = await Etcd.start(t, path.join(dir, "etcd"), { host: etcdNode.address, clientPort: 2379, peerPort: 2380, wrap: (file, args) => lab.command(etcdNode, file, args) });
  const marker = (hostname: string) => path.join(dir, `rebooted-${hostname}`);
  const healthy = path.join(dir, "sick-is-healthy");
  await writeFile(healthy, "");
  // Healthy while the file exists: the test removes it across the reboot.
  const health = { checks: [{ name: "flag", command: ["/usr/bin/test", "-e", healthy], timeout: "2s" }], gracePeriod: "1s", interval: "1s", timeout: "5s", onFailure: "report" as const };
  const remotes = [labRemote("origin", servers[0]!)];
  const coordination = etcdCoordination(etcd.endpoint);
  const sick = await startMachine(t, lab, dir, "sick", remotes, { config: { health, reboot: coordinatedReboot(coordination, marker("sick")) } });
  const other = await startMachine(t, lab, dir, "other", remotes, { config: { reboot: coordinatedReboot(coordination, marker("other")) } });
  const sickId = await machineIdOf(sick.machine);

  await fleet.commit({ sick: sick.machine.host({ variant: "v2", kernel: "kernel-2" }), other: other.machine.host({ variant: "v1" }) }, "new kernel for sick");
  await publish();
  await waitFor(() => exists(marker("sick")), { timeoutMs: 90_000, intervalMs: 100, message: "sick never ran its reboot command" });
  await rm(healthy);
  await reboot(t, lab.command.bind(lab), sick);
  await fleet.commit({ sick: sick.machine.host({ variant: "v2", kernel: "kernel-2" }), other: other.machine.host({ variant: "v2", kernel: "kernel-2" }) }, "new kernel for other");
  await publish();
  const waiting = await other.daemon.waitFor((s) => (s.pending ?? "").startsWith("waiting for a reboot slot"), 90_000, "the other machine waiting for the slot");
  const sickStatus = await sick.daemon.waitFor((s) => !s.needToReboot, 30_000, "sick back in its new system");
  const stillWaiting = await other.daemon.waitFor((s) => Date.parse(s.remotes[0]?.lastFetch?.at ?? "") > Date.parse(waiting.remotes[0]?.lastFetch?.at ?? "") + 12_000, 30_000, "another retry of the slot");
  const otherRebootedBeforeRelease = await exists(marker("other"));
  const released = await execa(process.execPath, [CLI, "reboot-lock", "release", "--socket", sick.daemon.socket]);
  await waitFor(() => exists(marker("other")), { timeoutMs: 30_000, intervalMs: 100, message: "the other machine never rebooted after the release" });

  t.is(waiting.pending, `waiting for a reboot slot (group default: 1/1 held by ${sickId})`);
  t.true(sickStatus.rebootLock?.held, "the unhealthy machine keeps its slot");
  t.true((stillWaiting.pending ?? "").startsWith("waiting for a reboot slot"), "the other machine still waits");
  t.false(otherRebootedBeforeRelease);
  t.is(released.stdout, `Released the slot of ${sickId} (group default).`);
});

test("slots 1: four machines reboot one after another, never two holders at once, the key ends empty", async (t) => {
  await rollingReboot(t, 1);
});

test("slots 2: never more than two machines between reboot and back", async (t) => {
  await rollingReboot(t, 2);
});
