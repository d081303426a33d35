/**
 * What can be refused from the request line and headers alone, before a byte of the body is
 * read: a wrong path, method or content type, a declared body over the limit, no signature header
 * or a repeated one. Pure: it reads the request's head and throws HttpError.
 */
import type { IncomingHttpHeaders } from "node:http";
import { HttpError } from "../api/http.js";
import { SIGNATURE_HEADERS, type WebhookProvider } from "./verify.js";

/** The paths a forge may be pointed at (any query string is ignored). */
export const WEBHOOK_PATHS: readonly string[] = ["/", "/webhook"];

const CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded"];

export interface RequestHead {
  method?: string | undefined;
  url?: string | undefined;
  headers: IncomingHttpHeaders;
  /** Every value of every header, duplicates kept (`IncomingMessage.headersDistinct`). */
  headersDistinct: Record<string, string[] | undefined>;
}

export interface Admitted {
  /** The authentication header the request carries (the strongest, when several). */
  header: string;
  provider: WebhookProvider;
  value: string;
}

function pathOf(url: string | undefined): string {
  const raw = url ?? "";
  const query = raw.indexOf("?");
  return query === -1 ? raw : raw.slice(0, query);
}

/** The declared Content-Length, or null when there is none (chunked). Node refuses a malformed one. */
function declaredLength(headers: IncomingHttpHeaders): number | null {
  const value = headers["content-length"];
  if (value === undefined) return null;
  const length = Number(value);
  return Number.isFinite(length) ? length : null;
}

function mediaType(headers: IncomingHttpHeaders): string {
  return (headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** Throws the HttpError the head of this request deserves, or names its authentication header. */
export function admitRequest(head: RequestHead, maxBodyBytes: number): Admitted {
  if (!WEBHOOK_PATHS.includes(pathOf(head.url))) throw new HttpError(404, `no webhook here: point the forge at ${WEBHOOK_PATHS.join(" or ")}`);
  if (head.method !== "POST") throw new HttpError(405, "webhooks are POST requests", { headers: { allow: "POST" } });
  const length = declaredLength(head.headers);
  if (length !== null && length > maxBodyBytes) throw new HttpError(413, `request body larger than ${maxBodyBytes} bytes`, { headers: { connection: "close" } });
  const type = mediaType(head.headers);
  if (!CONTENT_TYPES.includes(type)) {
    throw new HttpError(415, `unsupported content type ${JSON.stringify(type)}: expected ${CONTENT_TYPES.join(" or ")}`);
  }
  for (const { header, provider } of SIGNATURE_HEADERS) {
    const values = head.headersDistinct[header];
    if (values === undefined || values.length === 0) continue;
    // Two values for one signature header: which one the forge meant is anyone's guess.
    if (values.length > 1) throw new HttpError(400, `${header} is repeated`);
    return { header, provider, value: values[0] ?? "" };
  }
  throw new HttpError(401, `no signature: expected ${SIGNATURE_HEADERS.map((entry) => entry.display).join(", ")}`);
}
