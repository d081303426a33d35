/**
 * One JSON POST to a coordination service (etcd's JSON gateway, a FleetLock server): node's own
 * http/https client under a timeout, the TLS files read at each request (a renewed certificate is
 * picked up without a restart). Every failure is a RebootLockError whose message names the service.
 */
import { readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { errorMessage } from "../../errors.js";

/** The coordination service is unreachable or answered with an error: the caller fails closed. */
export class RebootLockError extends Error {
  override readonly name = "RebootLockError";
}

export interface TlsFiles {
  caFile: string | null;
  certFile: string | null;
  keyFile: string | null;
}

export interface JsonReply {
  status: number;
  /** The parsed body; null when empty or not JSON (`text` keeps it). */
  body: unknown;
  text: string;
}

export const LOCK_REQUEST_TIMEOUT_MS = 5_000;
const MAX_REPLY_BYTES = 1024 * 1024;

/** The URL without credentials, query or fragment: safe in messages and logs. */
export function displayUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

async function tlsOptions(tls: TlsFiles | undefined): Promise<https.RequestOptions> {
  if (!tls) return {};
  const read = async (what: string, file: string | null) => {
    if (file === null) return undefined;
    try {
      return await readFile(file);
    } catch (error) {
      throw new RebootLockError(`cannot read ${what} ${file}: ${errorMessage(error)}`, { cause: error });
    }
  };
  const [ca, cert, key] = await Promise.all([read("caFile", tls.caFile), read("certFile", tls.certFile), read("keyFile", tls.keyFile)]);
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

export async function postJson(url: URL, body: unknown, options: { headers?: Record<string, string>; tls?: TlsFiles; timeoutMs?: number } = {}): Promise<JsonReply> {
  const payload = Buffer.from(JSON.stringify(body));
  const secure = url.protocol === "https:";
  const tls = secure ? await tlsOptions(options.tls) : {};
  const where = displayUrl(url);
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request(
      url,
      {
        method: "POST",
        agent: false,
        ...tls,
        timeout: options.timeoutMs ?? LOCK_REQUEST_TIMEOUT_MS,
        headers: { "content-type": "application/json", "content-length": String(payload.length), ...options.headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_REPLY_BYTES) request.destroy(new RebootLockError(`${where}: the reply is larger than ${MAX_REPLY_BYTES} bytes`));
          else chunks.push(chunk);
        });
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = null;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            parsed = null;
          }
          resolve({ status: response.statusCode ?? 0, body: parsed, text });
        });
        response.on("error", (error) => reject(new RebootLockError(`${where}: ${errorMessage(error)}`, { cause: error })));
      },
    );
    request.on("timeout", () => request.destroy(new RebootLockError(`${where}: no answer within ${(options.timeoutMs ?? LOCK_REQUEST_TIMEOUT_MS) / 1000}s`)));
    request.on("error", (error) => reject(error instanceof RebootLockError ? error : new RebootLockError(`${where}: ${errorMessage(error)}`, { cause: error })));
    request.end(payload);
  });
}
