/**
 * What an unauthenticated client may hold of the webhook listener: connections, buffered body
 * bytes and time. Timeouts are Node's own (enforced by its connection checker); who gives way at
 * the connection cap is connections.ts.
 */

export interface WebhookLimits {
  /** Connections held at once; a new one beyond closes another (connections.ts says which). */
  maxConnections: number;
  /** A connection this young that has made no request yet is not closed to make room... */
  newcomerGraceMs: number;
  /** ...unless there are more than this many such newcomers beyond `maxConnections`. */
  maxNewcomers: number;
  /** Bytes reserved at once by the bodies larger than `smallBodyBytes`; the others wait unread. */
  maxBufferedBytes: number;
  /** A body declared at most this large is read at once (forge deliveries are a few KiB). */
  smallBodyBytes: number;
  /** From a connection's first byte (or its opening) to the end of its request headers. */
  headersTimeoutMs: number;
  /** From the start of a request to the end of its body. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection, after a reply. */
  keepAliveTimeoutMs: number;
  /** How often Node checks the two timeouts above: they fire up to this much late. */
  timeoutCheckIntervalMs: number;
  /** Request line and headers together (431 beyond). */
  maxHeaderBytes: number;
}

const MiB = 1024 * 1024;

/**
 * Forges give up on a delivery after 5 s (Gitea) to 10 s (GitHub, GitLab): a request still
 * incomplete after 10 s is no delivery anyone waits for.
 */
export function defaultWebhookLimits(maxBodyBytes: number): WebhookLimits {
  return {
    maxConnections: 64,
    newcomerGraceMs: 250,
    maxNewcomers: 192,
    maxBufferedBytes: Math.max(4 * MiB, maxBodyBytes),
    smallBodyBytes: 64 * 1024,
    headersTimeoutMs: 5_000,
    requestTimeoutMs: 10_000,
    keepAliveTimeoutMs: 5_000,
    timeoutCheckIntervalMs: 1_000,
    maxHeaderBytes: 8 * 1024,
  };
}

export class WebhookLimitError extends Error {
  override readonly name = "WebhookLimitError";
}

export function resolveLimits(maxBodyBytes: number, overrides: Partial<WebhookLimits> = {}): WebhookLimits {
  const limits = { ...defaultWebhookLimits(maxBodyBytes), ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value <= 0) throw new WebhookLimitError(`webhook limit ${key} must be a positive whole number, got ${String(value)}`);
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) throw new WebhookLimitError("webhook limit headersTimeoutMs must not exceed requestTimeoutMs");
  // A body the listener accepts must fit in the budget, or it could never be served.
  if (limits.maxBufferedBytes < maxBodyBytes) throw new WebhookLimitError(`webhook limit maxBufferedBytes (${limits.maxBufferedBytes}) is below maxBodyBytes (${maxBodyBytes})`);
  return limits;
}
