/**
 * Reboot coordination (behaviour.md §16): how long taking a free slot of the etcd lock takes (one
 * range and one compare-and-swap transaction through etcd's JSON gateway, on loopback), and what
 * configuring coordination costs an idle agent: two daemons on the same fleet, one with
 * `reboot.coordination` (the adapter is loaded at start-up and asks etcd once), one without.
 */
import path from "node:path";
import { EtcdRebootLock } from "../../runtime/reboot/lock/etcd.js";
import { createMachine, Daemon, deployed, localRemote, tempDir } from "../../test/helpers/daemon.js";
import { Etcd } from "../../test/helpers/etcd.js";
import { BenchFleet } from "../fleet.js";
import { readRssMb } from "../proc.js";
import type { Scenario } from "../scenario.js";
import { summarise } from "../stats.js";

const ACQUIRES = 50;
const RSS_SAMPLES = 5;

async function idleRss(daemon: Daemon): Promise<number[]> {
  const pid = daemon.child.pid;
  if (pid === undefined) throw new Error("the daemon has no pid");
  const samples: number[] = [];
  for (let sample = 0; sample < RSS_SAMPLES; sample++) {
    samples.push(await readRssMb(pid));
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return samples;
}

export const rebootLock: Scenario = {
  name: "reboot-lock",
  title: `reboot lock: ${ACQUIRES} takes of a free etcd slot; idle RSS with and without coordination`,
  async run({ cleanup, progress }) {
    const dir = await tempDir(cleanup, "comin-bench-lock-");
    const etcd = await Etcd.start(cleanup, dir);
    const config = { endpoints: [etcd.endpoint], prefix: "/bench/reboot-lock", caFile: null, certFile: null, keyFile: null };
    const lock = new EtcdRebootLock(config, "default", 1);
    const acquireMs: number[] = [];
    for (let i = 0; i < ACQUIRES; i++) {
      const started = performance.now();
      const result = await lock.acquire(`machine-${i}`);
      acquireMs.push(performance.now() - started);
      if (!result.granted) throw new Error(`take ${i} of a free slot was refused: ${result.refusal ?? ""}`);
      await lock.release(`machine-${i}`);
    }
    progress(`take of a free slot: median ${summarise(acquireMs).median.toFixed(1)} ms`);

    const fleet = await BenchFleet.create(path.join(dir, "fleet"));
    const remotes = [localRemote("origin", fleet.serverDir, { poll: { interval: 0 } })];
    const plain = await createMachine(path.join(dir, "plain"), "plain", { remotes });
    const coordinated = await createMachine(path.join(dir, "coordinated"), "coordinated", {
      remotes,
      reboot: { policy: "when-needed", command: ["/bin/true"], coordination: { etcd: { endpoints: [etcd.endpoint] }, group: "bench", slots: 1 } },
    });
    const first = await fleet.commitAndPush({ plain: plain.host({ variant: "plain" }), coordinated: coordinated.host({ variant: "coordinated" }) }, "bench");
    const daemons = await Promise.all([plain, coordinated].map((machine) => Daemon.start(cleanup, machine)));
    for (const daemon of daemons) {
      await daemon.waitFor(deployed(first.sha, "switch"), 60_000, "the first deployment");
      await daemon.waitFor((status) => !status.fetching && (status.pending === null || status.pending === undefined), 30_000, "the daemon to be idle");
    }
    const [plainRss, coordinatedRss] = await Promise.all(daemons.map(idleRss));
    const lockStatus = (await daemons[1]?.status())?.rebootLock;
    await Promise.all(daemons.map((daemon) => daemon.stop()));
    return {
      figures: { rebootLockAcquireMs: summarise(acquireMs), uncoordinatedIdleRssMb: summarise(plainRss ?? []), coordinatedIdleRssMb: summarise(coordinatedRss ?? []) },
      details: { acquires: ACQUIRES, coordinatedLock: lockStatus ?? null },
    };
  },
};
