/**
 * Reading webhook bodies under two limits: each body at most `maxBodyBytes` (413), and all the
 * bodies being read at once at most a shared budget. The HMAC covers the whole body, so an
 * unauthenticated client can make us buffer what it sends until it stops: at the budget, the
 * body that has been arriving the longest is cut (503), and a forge's delivery, which arrives in
 * one go, gets its room.
 */
import type { IncomingMessage } from "node:http";
import { HttpError } from "../api/http.js";

interface Holder {
  bytes: number;
  cut(): void;
}

export class BodyBudget {
  private used = 0;
  /** Insertion order is the order in which bodies started: oldest first. */
  private readonly holders = new Set<Holder>();
  /** Bodies cut to make room, since the start. */
  cut = 0;

  constructor(readonly maxBytes: number) {}

  get usedBytes(): number {
    return this.used;
  }

  join(holder: Holder): void {
    this.holders.add(holder);
  }

  /** Counts `bytes` more for `holder`, then cuts the oldest bodies until everything fits. */
  take(holder: Holder, bytes: number): void {
    holder.bytes += bytes;
    this.used += bytes;
    for (const oldest of this.holders) {
      if (this.used <= this.maxBytes) break;
      if (oldest.bytes === 0) continue;
      this.release(oldest);
      this.cut++;
      oldest.cut();
    }
  }

  release(holder: Holder): void {
    if (!this.holders.delete(holder)) return;
    this.used -= holder.bytes;
    holder.bytes = 0;
  }
}

/**
 * The whole body, or HttpError: 413 as soon as it grows past `maxBytes`, 503 when the budget
 * cut it, 400 when the connection ended first. What was read is dropped on any failure.
 */
export function readBudgetedBody(req: IncomingMessage, maxBytes: number, budget: BodyBudget): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let done = false;
    const fail = (error: HttpError) => {
      if (done) return;
      done = true;
      chunks.length = 0;
      budget.release(holder);
      reject(error);
    };
    const holder: Holder = {
      bytes: 0,
      cut: () => fail(new HttpError(503, "too many webhook bodies arriving at once: this one, the slowest, was cut", { headers: { connection: "close", "retry-after": "1" } })),
    };
    budget.join(holder);
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      if (holder.bytes + chunk.length > maxBytes) {
        fail(new HttpError(413, `request body larger than ${maxBytes} bytes`, { headers: { connection: "close" } }));
        return;
      }
      chunks.push(chunk);
      budget.take(holder, chunk.length);
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      const size = holder.bytes;
      budget.release(holder);
      resolve(Buffer.concat(chunks, size));
    });
    req.on("error", (error) => fail(new HttpError(400, "the request body could not be read", { cause: error })));
    // A connection closed by its client, a timeout or an eviction: its bytes leave the budget.
    req.on("close", () => fail(new HttpError(400, "the connection closed before the end of the body")));
  });
}
