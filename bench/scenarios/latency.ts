/**
 * Figure 3: push-to-activation latency, from `git push` returning to the kernel's timestamp of
 * switch-to-configuration's write (it writes first thing), (a) with polling every second and
 * (b) with polling off and a GitHub-signed webhook sent right after the push, as a forge does.
 */
import { createHmac } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { createMachine, Daemon, deployed, localRemote, tempDir, type Machine } from "../../test/helpers/daemon.js";
import { BenchFleet } from "../fleet.js";
import type { Scenario } from "../scenario.js";
import { summarise } from "../stats.js";
import { recordLineCount, waitForRecord } from "../switch-record.js";
import { freePort } from "../../test/helpers/temp.js";

const RUNS = 6;
const DEADLINE_MS = 60_000;
const SECRET = "bench-webhook-secret";

/** A GitHub push delivery for `url`, signed with the shared secret. */
async function sendWebhook(port: number, url: string): Promise<void> {
  const body = JSON.stringify({ ref: "refs/heads/main", after: "0".repeat(40), repository: { clone_url: url } });
  const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
  const response = await fetch(`http://127.0.0.1:${port}/`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", "x-github-event": "push", "x-hub-signature-256": signature },
  });
  if (response.status !== 202) throw new Error(`the webhook was refused: HTTP ${response.status} ${await response.text()}`);
}

/** Pushes a new system for `machine` and returns the time from the push to its activation. */
async function pushAndTime(fleet: BenchFleet, daemon: Daemon, machine: Machine, variant: string, afterPush: () => Promise<void>): Promise<number> {
  const records = await recordLineCount(machine.record);
  const { sha, pushedAt } = await fleet.commitAndPush({ [machine.hostname]: machine.host({ variant }) }, variant);
  await afterPush();
  const { at } = await waitForRecord(machine.record, records, DEADLINE_MS, `the activation of ${variant}`);
  await daemon.waitFor(deployed(sha, "switch"), DEADLINE_MS, `the deployment of ${variant}`);
  return at - pushedAt;
}

export const latency: Scenario = {
  name: "latency",
  title: "push -> switch-to-configuration, polling at 1 s and webhook",
  async run({ cleanup, progress }) {
    const dir = await tempDir(cleanup, "comin-bench-latency-");
    const fleet = await BenchFleet.create(path.join(dir, "fleet"));

    const poller = await createMachine(dir, "poller", { remotes: [localRemote("origin", fleet.serverDir, { poll: { interval: 1, jitter: 0 } })] });
    const first = await fleet.commitAndPush({ poller: poller.host({ variant: "poll-0" }) }, "poll 0");
    const pollDaemon = await Daemon.start(cleanup, poller);
    await pollDaemon.waitFor(deployed(first.sha, "switch"), DEADLINE_MS, "the first deployment (polling)");
    const poll: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      // A push lands anywhere in the poll period: spread the pushes over it rather than always
      // pushing right after a deployment (which is in phase with the poll timer).
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 1000));
      poll.push(await pushAndTime(fleet, pollDaemon, poller, `poll-${run}`, async () => {}));
      progress(`polling ${run}/${RUNS}: ${Math.round(poll.at(-1) ?? 0)} ms`);
    }
    await pollDaemon.stop();

    const port = await freePort();
    const secretFile = path.join(dir, "webhook-secret");
    await writeFile(secretFile, `${SECRET}\n`, { mode: 0o600 });
    const hooked = await createMachine(dir, "hooked", {
      remotes: [localRemote("origin", fleet.serverDir, { poll: { interval: 0 } })],
      webhook: { listenAddress: "127.0.0.1", port, secretFile },
    });
    const start = await fleet.commitAndPush({ hooked: hooked.host({ variant: "hook-0" }) }, "hook 0");
    const hookDaemon = await Daemon.start(cleanup, hooked);
    await hookDaemon.waitFor(deployed(start.sha, "switch"), DEADLINE_MS, "the first deployment (webhook)");
    const webhook: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      webhook.push(await pushAndTime(fleet, hookDaemon, hooked, `hook-${run}`, () => sendWebhook(port, fleet.serverDir)));
      progress(`webhook ${run}/${RUNS}: ${Math.round(webhook.at(-1) ?? 0)} ms`);
    }
    await hookDaemon.stop();

    return {
      figures: { pollLatencyMs: summarise(poll), webhookLatencyMs: summarise(webhook) },
      details: { pollLatencyMs: poll.map(Math.round), webhookLatencyMs: webhook.map(Math.round) },
    };
  },
};
