/**
 * Small HTTP helpers shared by the local API and the webhook listener: a body reader that stops
 * at a byte limit, JSON replies, and an error type that carries its status code.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** A request that cannot be served; `status` is the HTTP status sent back as `{ error }`. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  readonly headers: Record<string, string>;
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options);
    this.headers = options?.headers ?? {};
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, { error: error.message }, error.headers);
}

/**
 * Reads the whole body, or throws HttpError 413 as soon as it grows past `maxBytes` (a declared
 * Content-Length over the limit is refused before reading anything). After a 413 the remaining
 * bytes are read and dropped, never kept.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, `request body larger than ${maxBytes} bytes`, { headers: { connection: "close" } });
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    // Nothing of the body is read; the connection is closed after the reply.
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    req.on("error", (error) => {
      if (failed) return;
      failed = true;
      reject(new HttpError(400, "the request body could not be read", { cause: error }));
    });
  });
}

/**
 * After an early reply (413, 401 before the body was read), a client may still be sending. Give it
 * a moment to read the reply and stop, then cut the connection so it cannot keep us reading.
 */
export function closeAfterReply(req: IncomingMessage, res: ServerResponse, graceMs = 2000): void {
  req.resume();
  res.on("finish", () => {
    const timer = setTimeout(() => req.socket.destroy(), graceMs);
    timer.unref();
    req.socket.once("close", () => clearTimeout(timer));
  });
}

/** Parses a JSON body; an empty body is `{}`. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  const text = body.toString("utf8").trim();
  if (text === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `the request body is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, "the request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}
