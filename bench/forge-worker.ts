/**
 * The forge of the webhook-flood scenario, in a worker thread of its own: its requests leave when
 * it sends them, not when the thread opening hundreds of hostile sockets gets round to it (a forge
 * is not on the attacker's machine). Sends a signed push every `everyMs` for `forMs`, each given up
 * after `timeoutMs` as a forge gives up on a delivery, and posts back how many were sent, answered
 * 202, and why the others were not (an HTTP status, or the connection's fate: ECONNRESET,
 * ECLOSED for a close without a reply, ETIMEDOUT for no reply in time).
 */
import { parentPort, workerData } from "node:worker_threads";
import { pushFailureReason, sendSignedPush } from "../test/helpers/flood.js";

export interface ForgeJob {
  port: number;
  secret: string;
  cloneUrl: string;
  everyMs: number;
  forMs: number;
  timeoutMs: number;
}

export interface ForgeReport {
  sent: number;
  served: number;
  /** Pushes not served, by reason. */
  failures: Record<string, number>;
}

async function run(job: ForgeJob): Promise<ForgeReport> {
  const replies: Promise<string | null>[] = [];
  const end = Date.now() + job.forMs;
  while (Date.now() < end) {
    const reply = sendSignedPush(job.port, job.secret, job.cloneUrl, { timeoutMs: job.timeoutMs });
    replies.push(reply.then(pushFailureReason, (error: Error) => pushFailureReason(error)));
    await new Promise((resolve) => setTimeout(resolve, job.everyMs));
  }
  const failures: Record<string, number> = {};
  for (const reason of await Promise.all(replies)) if (reason !== null) failures[reason] = (failures[reason] ?? 0) + 1;
  const failed = Object.values(failures).reduce((sum, count) => sum + count, 0);
  return { sent: replies.length, served: replies.length - failed, failures };
}

parentPort?.postMessage(await run(workerData as ForgeJob));
