/**
 * Webhook authentication, as pure functions: HMAC-SHA256 signatures (GitHub, Gitea/Forgejo,
 * generic) and GitLab's shared token. Every comparison is constant-time on equal-length buffers.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

export type WebhookProvider = "generic" | "github" | "gitea" | "forgejo" | "gitlab";

export type Verification = { ok: true; provider: WebhookProvider } | { ok: false; provider: WebhookProvider | null; reason: string };

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

export function hmacSha256(secret: string, body: Uint8Array): Buffer {
  return createHmac("sha256", secret).update(body).digest();
}

/** Whether `hex` is the HMAC-SHA256 of `body` (64 hex digits, any case). */
export function verifyHexHmac(secret: string, body: Uint8Array, hex: string): boolean {
  if (!HEX_SHA256.test(hex)) return false;
  return timingSafeEqual(hmacSha256(secret, body), Buffer.from(hex, "hex"));
}

/** `sha256=<hex>`, as GitHub's `X-Hub-Signature-256` and comin's `X-Comin-Signature-256`. */
export function verifyPrefixedSignature(secret: string, body: Uint8Array, header: string | undefined): boolean {
  if (header === undefined || !header.startsWith("sha256=")) return false;
  return verifyHexHmac(secret, body, header.slice("sha256=".length).trim());
}

/** Gitea and Forgejo send the bare hex digest. */
export function verifyBareSignature(secret: string, body: Uint8Array, header: string | undefined): boolean {
  return header !== undefined && verifyHexHmac(secret, body, header.trim());
}

/**
 * GitLab sends the secret itself. Both sides are hashed first so that the comparison takes the
 * same time whatever the length of the guess.
 */
export function verifyToken(secret: string, header: string | undefined): boolean {
  if (header === undefined) return false;
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  return timingSafeEqual(digest(secret), digest(header));
}

/** The authentication headers, strongest first (an HMAC over the body beats a token). */
export const SIGNATURE_HEADERS: readonly { header: string; display: string; provider: WebhookProvider }[] = [
  { header: "x-comin-signature-256", display: "X-Comin-Signature-256", provider: "generic" },
  { header: "x-hub-signature-256", display: "X-Hub-Signature-256", provider: "github" },
  { header: "x-forgejo-signature", display: "X-Forgejo-Signature", provider: "forgejo" },
  { header: "x-gitea-signature", display: "X-Gitea-Signature", provider: "gitea" },
  { header: "x-gitlab-token", display: "X-Gitlab-Token", provider: "gitlab" },
];

/** Whether `value`, sent in `provider`'s header, authenticates `body`. */
export function verifySignature(secret: string, body: Uint8Array, provider: WebhookProvider, value: string): boolean {
  switch (provider) {
    case "generic":
    case "github":
      return verifyPrefixedSignature(secret, body, value);
    case "gitea":
    case "forgejo":
      return verifyBareSignature(secret, body, value);
    case "gitlab":
      return verifyToken(secret, value);
  }
}

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Checks the first authentication header present, strongest first. A request with none is refused. */
export function verifyWebhookRequest(secret: string, body: Uint8Array, headers: IncomingHttpHeaders): Verification {
  for (const { header, provider } of SIGNATURE_HEADERS) {
    const value = single(headers, header);
    if (value === undefined) continue;
    return verifySignature(secret, body, provider, value) ? { ok: true, provider } : { ok: false, provider, reason: `invalid ${header}` };
  }
  return { ok: false, provider: null, reason: `no signature: expected ${SIGNATURE_HEADERS.map((entry) => entry.display).join(", ")}` };
}
