/**
 * What an unauthenticated client may hold of the webhook listener: connections, buffered body
 * bytes and time. Timeouts are Node's own (enforced by its connection checker). The connection
 * cap is here because Node's `server.maxConnections` refuses the newcomer, which would let a few
 * dozen idle sockets lock every forge out: at the cap, the oldest connection gives way instead.
 */
import type { Socket } from "node:net";

export interface WebhookLimits {
  /** Connections held at once; a new one beyond closes the oldest (idle ones before requests). */
  maxConnections: number;
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

/**
 * Open connections, oldest first. A connection is "busy" while a request that passed the checks
 * made on its headers is in progress; idle ones (nothing sent yet, headers trickling, keep-alive
 * between requests) are closed first, so that a flood of idle sockets only pushes out its own.
 */
export class ConnectionGuard {
  private readonly open = new Map<Socket, { busy: boolean }>();
  private evicting = false;
  evicted = 0;

  constructor(
    private readonly max: number,
    private readonly onClose: (socket: Socket) => void = () => {},
  ) {}

  get size(): number {
    return this.open.size;
  }

  add(socket: Socket): void {
    this.open.set(socket, { busy: false });
    socket.once("close", () => {
      this.open.delete(socket);
      this.onClose(socket);
    });
    if (this.open.size <= this.max || this.evicting) return;
    // Connections accepted in one burst have not been read yet: their requests are read in the
    // next turn of the event loop, and only then are idle ones told from deliveries.
    this.evicting = true;
    setImmediate(() =>
      setImmediate(() => {
        this.evicting = false;
        this.evict();
      }),
    );
  }

  private evict(): void {
    while (this.open.size > this.max) {
      const victim = this.oldest(false) ?? this.oldest(true);
      if (victim === undefined) return;
      this.open.delete(victim);
      this.evicted++;
      victim.destroy();
    }
  }

  setBusy(socket: Socket, busy: boolean): void {
    const entry = this.open.get(socket);
    if (entry) entry.busy = busy;
  }

  private oldest(busy: boolean): Socket | undefined {
    for (const [socket, entry] of this.open) if (entry.busy === busy) return socket;
    return undefined;
  }
}
