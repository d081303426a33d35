/**
 * Reading webhook bodies. The HMAC covers the whole body, so a body is buffered before anyone
 * knows who sent it, and what is buffered at once is bounded. A small body (declared at most
 * `smallBodyBytes`: forge deliveries are a few KiB) is read at once; there are at most
 * `maxConnections` of them. A larger one (a chunked one counts as `maxBodyBytes`) reserves its
 * declared size in a shared budget before a byte of it is read, and is refused (503, Retry-After)
 * when the budget is full: reading what a client sends, even to drop it, costs memory in every
 * buffer it passes through, and a body that waited for room would be read in full by then.
 */
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { HttpError } from "../api/http.js";

export interface BodyStats {
  /** Bodies being read now, small and large. */
  reading: number;
  /** Bytes reserved by the large bodies being read. */
  reservedBytes: number;
  /** Large bodies refused for want of room, since the start. */
  refused: number;
}

export class BodyGate {
  private reserved = 0;
  private reading = 0;
  private refused = 0;

  constructor(
    private readonly budgetBytes: number,
    private readonly smallBodyBytes: number,
  ) {}

  stats(): BodyStats {
    return { reading: this.reading, reservedBytes: this.reserved, refused: this.refused };
  }

  /** Takes room for a body of `bytes`; returns the function that gives it back. Throws 503 without room. */
  enter(bytes: number): () => void {
    const large = bytes > this.smallBodyBytes;
    if (large && this.reserved + bytes > this.budgetBytes) {
      this.refused++;
      throw new HttpError(503, "too many large webhook bodies arriving at once: try again later", { headers: { "retry-after": "5" } });
    }
    this.reading++;
    if (large) this.reserved += bytes;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.reading--;
      if (large) this.reserved -= bytes;
    };
  }
}

/** The declared Content-Length, or null for a chunked body. */
export function declaredLength(headers: IncomingHttpHeaders): number | null {
  const length = Number(headers["content-length"]);
  return headers["content-length"] === undefined || !Number.isFinite(length) ? null : length;
}

/** The whole body; HttpError 413 as soon as it grows past `maxBytes`, 400 when the connection ends first. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const fail = (error: HttpError) => {
      if (done) return;
      done = true;
      chunks.length = 0;
      reject(error);
    };
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) fail(new HttpError(413, `request body larger than ${maxBytes} bytes`, { headers: { connection: "close" } }));
      else chunks.push(chunk);
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks, size));
    });
    req.on("error", (error) => fail(new HttpError(400, "the request body could not be read", { cause: error })));
    req.on("close", () => fail(new HttpError(400, "the connection closed before the end of the body")));
  });
}

/**
 * After refusing a request whose body is still arriving: a client that stops sending can read the
 * reply (closing at once could reset the connection before it does), but at most `maxBytes` more
 * are read, and dropped, within `graceMs`; then the connection is cut. Reading all that a hostile
 * client sends, even to drop it, would cost memory in the buffers it passes through.
 */
export function lingerThenClose(req: IncomingMessage, options: { maxBytes?: number; graceMs?: number } = {}): void {
  const { maxBytes = 16 * 1024, graceMs = 2000 } = options;
  const socket = req.socket;
  let dropped = 0;
  const timer = setTimeout(() => socket.destroy(), graceMs).unref();
  socket.once("close", () => clearTimeout(timer));
  req.on("data", (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > maxBytes) socket.destroy();
  });
  req.resume();
}
