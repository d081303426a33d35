/**
 * What an unauthenticated client may hold of the webhook listener: connections, buffered body
 * bytes and time. Timeouts are Node's own (they are enforced by its connection checker); the two
 * caps are here because Node's `server.maxConnections` refuses the newcomer, which would let a
 * few hundred idle sockets lock every forge out: at a cap, the oldest holder gives way instead.
 */
import type { Socket } from "node:net";

export interface WebhookLimits {
  /** Connections held at once; a new one beyond closes the oldest (idle ones before requests). */
  maxConnections: number;
  /** Body bytes buffered at once, all requests together; beyond, the oldest body is cut (503). */
  maxBufferedBytes: number;
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
    maxConnections: 128,
    maxBufferedBytes: Math.max(4 * MiB, maxBodyBytes),
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
  evicted = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.open.size;
  }

  add(socket: Socket): void {
    this.open.set(socket, { busy: false });
    socket.once("close", () => this.open.delete(socket));
    while (this.open.size > this.max) {
      // The newcomer is the newest idle connection: it stays, the oldest other one goes.
      const victim = this.oldest(false, socket) ?? this.oldest(true, socket);
      if (victim === undefined) break;
      this.open.delete(victim);
      this.evicted++;
      victim.destroy();
    }
  }

  setBusy(socket: Socket, busy: boolean): void {
    const entry = this.open.get(socket);
    if (entry) entry.busy = busy;
  }

  private oldest(busy: boolean, except: Socket): Socket | undefined {
    for (const [socket, entry] of this.open) if (entry.busy === busy && socket !== except) return socket;
    return undefined;
  }
}
