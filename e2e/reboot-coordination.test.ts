/**
 * Fleet reboot coordination in a lab network (behaviour.md §16): one etcd node, four machines whose
 * kernel changes in the same window. A watcher on the lock's key (`etcdctl watch`, every revision)
 * checks that never more than `slots` machines hold a slot; each machine that runs its reboot
 * command is "rebooted" by the test (agent stopped, booted system = current, agent started again)
 * and gives its slot back; in the end all four rebooted and the key holds no one.
 */
import path from "node:path";
import test, { type ExecutionContext } from "ava";
import { Daemon } from "../test/helpers/daemon.js";
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

test("slots 1: four machines reboot one after another, never two holders at once, the key ends empty", async (t) => {
  await rollingReboot(t, 1);
});

test("slots 2: never more than two machines between reboot and back", async (t) => {
  await rollingReboot(t, 2);
});
