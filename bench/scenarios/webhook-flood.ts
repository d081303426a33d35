/**
 * The webhook listener under the flood of the security issue, on the real daemon with its default
 * limits: 500 connections that send nothing and 300 clients that announce a 1 MiB body, send
 * 768 KiB of it and stop. Each round keeps them connected (or closed by the server) for 12 s,
 * longer than every webhook timeout, while a forge (in a thread of its own) sends a signed push every second. The daemon's
 * VmRSS and open file descriptors are sampled throughout; growth is against the daemon before the
 * first round, so that memory kept after a round counts in the next.
 */
import { readdir, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { createMachine, Daemon, FleetRepo, git, localRemote, tempDir } from "../../test/helpers/daemon.js";
import { HostileClients, sendSignedPush } from "../../test/helpers/flood.js";
import type { ForgeJob, ForgeReport } from "../forge-worker.js";
import { freePort } from "../../test/helpers/temp.js";
import { readRssMb } from "../proc.js";
import type { Scenario } from "../scenario.js";
import { summarise } from "../stats.js";

const ROUNDS = 3;
const IDLE = 500;
const PARTIAL = 300;
const FLOOD_MS = 12_000;
const PUSH_EVERY_MS = 1000;
/** GitHub and GitLab give up on a delivery after 10 s. */
const FORGE_TIMEOUT_MS = 10_000;
const SECRET = "bench-webhook-flood-secret";

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function openFds(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length;
}

/** Samples VmRSS and open descriptors every 50 ms until `stop` is called; returns the peaks. */
function sampler(pid: number): { stop(): Promise<{ peakRssMb: number; peakFds: number }> } {
  let running = true;
  let peakRssMb = 0;
  let peakFds = 0;
  const loop = (async () => {
    while (running) {
      peakRssMb = Math.max(peakRssMb, await readRssMb(pid));
      peakFds = Math.max(peakFds, await openFds(pid));
      await pause(50);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { peakRssMb, peakFds };
    },
  };
}

/** Signed pushes every PUSH_EVERY_MS for FLOOD_MS, from a forge in its own thread. */
function forge(port: number, cloneUrl: string): Promise<ForgeReport> {
  const job: ForgeJob = { port, secret: SECRET, cloneUrl, everyMs: PUSH_EVERY_MS, forMs: FLOOD_MS, timeoutMs: FORGE_TIMEOUT_MS };
  const worker = new Worker(new URL("../forge-worker.js", import.meta.url), { workerData: job });
  return new Promise((resolve, reject) => {
    worker.once("message", (report: ForgeReport) => resolve(report));
    worker.once("error", reject);
  });
}

async function round(daemon: Daemon, pid: number, port: number, url: string, baselineRssMb: number) {
  const samples = sampler(pid);
  const pushes = forge(port, url);
  const idle = await HostileClients.open({ port, kind: "idle", count: IDLE });
  const partial = await HostileClients.open({ port, kind: "partial-body", count: PARTIAL, declaredBytes: 1024 * 1024, sentBytes: 768 * 1024 });
  const { sent, served, failures } = await pushes;
  const peaks = await samples.stop();
  const counts = { idleClosedByServer: idle.closedByServer, partialClosedByServer: partial.closedByServer, partialRefused503: partial.answered(503), partialTimedOut408: partial.answered(408) };
  idle.destroy();
  partial.destroy();
  await daemon.waitFor((status) => !status.fetching, 30_000, "the fetches the pushes triggered");
  await pause(1000);
  const rssAfterMb = await readRssMb(pid);
  return { growthMb: peaks.peakRssMb - baselineRssMb, servedPercent: (100 * served) / sent, sent, served, failures, peakRssMb: peaks.peakRssMb, rssAfterMb, peakFds: peaks.peakFds, ...counts };
}

/** The daemon answers on its socket before its webhook listener is up: wait for the port (10 s at most). */
async function listening(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`the daemon's webhook listener is not up on port ${port} after 10 s`);
    await pause(100);
  }
}

/** Pushes not served in every round, by reason (HTTP status, ECONNRESET, ECLOSED, ETIMEDOUT...). */
function sumFailures(rounds: Record<string, number>[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const failures of rounds) for (const [reason, count] of Object.entries(failures)) total[reason] = (total[reason] ?? 0) + count;
  return total;
}

export const webhookFlood: Scenario = {
  name: "webhook-flood",
  title: `webhook listener: ${IDLE} idle + ${PARTIAL} partial-body clients, signed pushes served meanwhile`,
  async run({ cleanup, progress }) {
    const dir = await tempDir(cleanup, "comin-bench-flood-");
    const fleet = await FleetRepo.create(path.join(dir, "fleet"));
    await git(fleet.dir, ["commit", "-q", "--allow-empty", "-m", "nothing to deploy"]);
    const port = await freePort();
    const secretFile = path.join(dir, "webhook-secret");
    await writeFile(secretFile, `${SECRET}\n`, { mode: 0o600 });
    // A branch name the repository lacks: pushes trigger real fetches, nothing is deployed.
    const remote = localRemote("origin", fleet.dir, { poll: { interval: 0 }, branches: { main: { name: "not-deployed" } } });
    const machine = await createMachine(dir, "flood", { remotes: [remote], webhook: { listenAddress: "127.0.0.1", port, secretFile } });
    const daemon = await Daemon.start(cleanup, machine);
    const pid = daemon.child.pid;
    if (pid === undefined) throw new Error("the daemon has no pid");
    // Warm-up: the webhook path has run (and been compiled) before the baseline is read.
    await listening(port);
    for (let push = 0; push < 5; push++) await sendSignedPush(port, SECRET, fleet.dir, { timeoutMs: FORGE_TIMEOUT_MS });
    await daemon.waitFor((status) => !status.fetching, 30_000, "the warm-up fetches");
    const baseline: number[] = [];
    for (let sample = 0; sample < 5; sample++) {
      baseline.push(await readRssMb(pid));
      await pause(200);
    }
    const baselineRssMb = summarise(baseline).median;
    const baselineFds = await openFds(pid);

    const rounds = [];
    for (let index = 1; index <= ROUNDS; index++) {
      const result = await round(daemon, pid, port, fleet.dir, baselineRssMb);
      rounds.push(result);
      const failed = Object.entries(result.failures).map(([reason, count]) => `${count} ${reason}`);
      progress(`round ${index}: peak RSS +${result.growthMb.toFixed(1)} MiB (${result.rssAfterMb.toFixed(1)} MiB after), ${result.served}/${result.sent} pushes served${failed.length > 0 ? ` (not served: ${failed.join(", ")})` : ""}, peak ${result.peakFds} fds`);
    }
    await daemon.stop();
    const round1 = (value: number) => Math.round(value * 10) / 10;
    return {
      figures: { webhookFloodRssMb: summarise(rounds.map((r) => r.growthMb)), webhookFloodServed: summarise(rounds.map((r) => r.servedPercent)) },
      details: {
        baselineRssMb: round1(baselineRssMb),
        baselineFds,
        pushesSent: rounds.reduce((sum, r) => sum + r.sent, 0),
        pushesServed: rounds.reduce((sum, r) => sum + r.served, 0),
        pushFailures: sumFailures(rounds.map((r) => r.failures)),
        rounds: rounds.map((r) => ({ ...r, growthMb: round1(r.growthMb), peakRssMb: round1(r.peakRssMb), rssAfterMb: round1(r.rssAfterMb), servedPercent: round1(r.servedPercent) })),
      },
    };
  },
};
