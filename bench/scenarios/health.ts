/**
 * Health checks (behaviour.md §14), two figures:
 * - `healthVerifyOverheadMs`: from the end of the activation (the kernel's timestamp of the test
 *   system's `switch-to-configuration` write, its last act) to the deployment's `endedAt` (done),
 *   with one passing `http` check and `gracePeriod: 0`, minus the check itself (a GET of the same
 *   server from here, timed alone). Target ≤ 50 ms.
 * - `rollbackMs`: from the failing check's answer (the HTTP server's clock, at the last 500 before
 *   the rollback) to the previous system active again (the rollback's `switch-to-configuration`
 *   write).
 */
import path from "node:path";
import { createMachine, Daemon, deployed, localRemote, tempDir } from "../../test/helpers/daemon.js";
import { currentSystemOf, healthServer, httpHealth } from "../../test/helpers/health.js";
import { BenchFleet } from "../fleet.js";
import type { Scenario } from "../scenario.js";
import { summarise } from "../stats.js";
import { recordLineCount, waitForRecord } from "../switch-record.js";

const RUNS = 5;
const DEADLINE_MS = 60_000;

async function timedGet(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url);
  await response.text();
  return performance.now() - started;
}

export const health: Scenario = {
  name: "health",
  title: "health verification overhead (one http check) and rollback time",
  async run({ cleanup, progress }) {
    const dir = await tempDir(cleanup, "comin-bench-health-");
    const fleet = await BenchFleet.create(path.join(dir, "fleet"));
    const server = await healthServer(cleanup, currentSystemOf(dir, "web1"));
    // A rollback after 1 s of failing checks (rounds at 0 and 1 s).
    const machine = await createMachine(dir, "web1", {
      remotes: [localRemote("origin", fleet.serverDir, { poll: { interval: 1, jitter: 0 } })],
      health: httpHealth(server.url, { gracePeriod: 0, interval: 1, timeout: 1 }),
    });
    const daemon = await Daemon.start(cleanup, machine);
    const verify: number[] = [];
    const check: number[] = [];
    const rollback: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const good = `good-${run}`;
      let records = await recordLineCount(machine.record);
      const pushed = await fleet.commitAndPush({ web1: machine.host({ variant: good }) }, good);
      const activated = await waitForRecord(machine.record, records, DEADLINE_MS, `the activation of ${good}`);
      const done = await daemon.waitFor(deployed(pushed.sha, "switch"), DEADLINE_MS, `the verified deployment of ${good}`);
      for (let i = 0; i < 3; i++) check.push(await timedGet(server.url));
      verify.push(Date.parse(done.deployment?.endedAt ?? "") - activated.at);

      const bad = `bad-${run}`;
      server.bad.add(bad);
      records = await recordLineCount(machine.record);
      const broken = await fleet.commitAndPush({ web1: machine.host({ variant: bad }) }, bad);
      await waitForRecord(machine.record, records, DEADLINE_MS, `the activation of ${bad}`);
      const back = await waitForRecord(machine.record, records + 1, DEADLINE_MS, `the rollback from ${bad}`);
      await daemon.waitFor((s) => s.deployment?.commit === broken.sha && s.deployment.status === "rolled-back", DEADLINE_MS, `the rollback from ${bad}`);
      const failed = server.answers.filter((answer) => answer.status === 500 && answer.variant === bad && answer.at <= back.at + 5).at(-1);
      if (!failed) throw new Error(`no failing answer recorded for ${bad}`);
      rollback.push(back.at - failed.at);
      progress(`run ${run}/${RUNS}: verification ${Math.round(verify.at(-1) ?? 0)} ms, rollback ${Math.round(rollback.at(-1) ?? 0)} ms`);
    }
    await daemon.stop();
    const checkMs = summarise(check).median;
    return {
      figures: { healthVerifyOverheadMs: summarise(verify.map((ms) => ms - checkMs)), rollbackMs: summarise(rollback) },
      details: { activationEndToDoneMs: verify.map(Math.round), checkAloneMs: check.map((ms) => Math.round(ms * 10) / 10), rollbackMs: rollback.map(Math.round) },
    };
  },
};
