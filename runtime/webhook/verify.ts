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

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks the first authentication header present, strongest first (an HMAC over the body beats a
 * token). A request with none of them is refused.
 */
export function verifyWebhookRequest(secret: string, body: Uint8Array, headers: IncomingHttpHeaders): Verification {
  const checks: { header: string; provider: WebhookProvider; verify: (value: string) => boolean }[] = [
    { header: "x-comin-signature-256", provider: "generic", verify: (v) => verifyPrefixedSignature(secret, body, v) },
    { header: "x-hub-signature-256", provider: "github", verify: (v) => verifyPrefixedSignature(secret, body, v) },
    { header: "x-forgejo-signature", provider: "forgejo", verify: (v) => verifyBareSignature(secret, body, v) },
    { header: "x-gitea-signature", provider: "gitea", verify: (v) => verifyBareSignature(secret, body, v) },
    { header: "x-gitlab-token", provider: "gitlab", verify: (v) => verifyToken(secret, v) },
  ];
  for (const check of checks) {
    const value = single(headers, check.header);
    if (value === undefined) continue;
    return check.verify(value) ? { ok: true, provider: check.provider } : { ok: false, provider: check.provider, reason: `invalid ${check.header}` };
  }
  return {
    ok: false,
    provider: null,
    reason: "no signature: expected X-Hub-Signature-256, X-Gitea-Signature, X-Forgejo-Signature, X-Gitlab-Token or X-Comin-Signature-256",
  };
}
