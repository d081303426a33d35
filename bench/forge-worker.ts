/**
 * The forge of the webhook-flood scenario, in a worker thread of its own: its requests leave when
 * it sends them, not when the thread opening hundreds of hostile sockets gets round to it (a forge
 * is not on the attacker's machine). Sends a signed push every `everyMs` for `forMs` and posts back
 * how many were sent and answered 202.
 */
import { parentPort, workerData } from "node:worker_threads";
import { sendSignedPush } from "../test/helpers/flood.js";

export interface ForgeJob {
  port: number;
  secret: string;
  cloneUrl: string;
  everyMs: number;
  forMs: number;
}

export interface ForgeReport {
  sent: number;
  served: number;
  failures: string[];
}

async function run(job: ForgeJob): Promise<ForgeReport> {
  const replies: Promise<string | null>[] = [];
  const end = Date.now() + job.forMs;
  while (Date.now() < end) {
    replies.push(sendSignedPush(job.port, job.secret, job.cloneUrl).then((reply) => (reply.status === 202 ? null : `HTTP ${reply.status}`), (error: Error) => error.message));
    await new Promise((resolve) => setTimeout(resolve, job.everyMs));
  }
  const failures = (await Promise.all(replies)).filter((failure): failure is string => failure !== null);
  return { sent: replies.length, served: replies.length - failures.length, failures };
}

parentPort?.postMessage(await run(workerData as ForgeJob));
