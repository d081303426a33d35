/**
 * The webhook listener's connection cap, and who gives way when a newcomer finds it reached.
 * Node's `server.maxConnections` refuses the newcomer, which lets a few dozen sockets that send
 * nothing, or bodies that stop halfway, lock every forge out; here a newcomer is let in and the
 * connection least likely to be a forge's delivery is closed instead (docs/webhooks.md "Limits").
 */
import type { Socket } from "node:net";

/**
 * Where a connection is: `waiting` for a request (nothing sent yet, a head trickling), `reading`
 * the body of a request whose head passed the checks, `handling` a whole request, `answered`
 * (a reply sent: kept alive, or lingering after a refusal).
 */
export type ConnectionState = "waiting" | "reading" | "handling" | "answered";

/** Why a connection was closed to make room, in the order they are chosen. */
export type EvictionReason = "answered" | "idle" | "slowBody" | "newcomer";

export interface ConnectionPolicy {
  /** Connections held at once, beyond the newcomers below. */
  maxConnections: number;
  /** A connection this young that has made no request yet is a newcomer: it is given time to. */
  newcomerGraceMs: number;
  /** Newcomers allowed beyond `maxConnections` during their grace (a burst's tail is closed). */
  maxNewcomers: number;
}

interface Entry {
  state: ConnectionState;
  /** When the connection opened, its request started, or its reply was sent. */
  since: number;
}

export class ConnectionGuard {
  private readonly open = new Map<Socket, Entry>();
  private pass: "none" | "soon" | NodeJS.Timeout = "none";
  readonly evictions: Record<EvictionReason, number> = { answered: 0, idle: 0, slowBody: 0, newcomer: 0 };

  constructor(
    private readonly policy: ConnectionPolicy,
    private readonly onClose: (socket: Socket) => void = () => {},
    private readonly onEvict: (closed: Partial<Record<EvictionReason, number>>) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.open.size;
  }

  get evicted(): number {
    return Object.values(this.evictions).reduce((sum, count) => sum + count, 0);
  }

  add(socket: Socket): void {
    this.open.set(socket, { state: "waiting", since: this.now() });
    socket.once("close", () => {
      this.open.delete(socket);
      this.onClose(socket);
    });
    if (this.open.size <= this.policy.maxConnections || this.pass === "soon") return;
    if (this.pass !== "none") clearTimeout(this.pass);
    // Connections accepted in one burst have not been read yet: their requests are read in the
    // next turn of the event loop, and only then are they told from one another.
    this.pass = "soon";
    setImmediate(() => setImmediate(() => this.evict()));
  }

  /** The connection moved on (a request admitted, its body read, its reply sent). */
  set(socket: Socket, state: ConnectionState): void {
    const entry = this.open.get(socket);
    if (entry) Object.assign(entry, { state, since: this.now() });
  }

  private evict(): void {
    this.pass = "none";
    const closed: Partial<Record<EvictionReason, number>> = {};
    for (;;) {
      const choice = this.victim();
      if (choice === null) break;
      const [socket, reason] = choice;
      this.open.delete(socket);
      this.evictions[reason]++;
      closed[reason] = (closed[reason] ?? 0) + 1;
      socket.destroy();
    }
    if (Object.keys(closed).length > 0) this.onEvict(closed);
    this.scheduleGraceEnd();
  }

  /**
   * The connection to close now, or null. In this order, each oldest first: a connection whose
   * reply was sent; one that made no request within its grace (idle, headers trickling); the
   * request whose body has been arriving longest. Connections still in their grace only beyond
   * the newcomers' allowance (those that made no request first); whole requests never.
   */
  private victim(): [Socket, EvictionReason] | null {
    const { maxConnections, newcomerGraceMs, maxNewcomers } = this.policy;
    if (this.open.size <= maxConnections) return null;
    const now = this.now();
    const overAllowance = this.open.size > maxConnections + maxNewcomers;
    // [answered, idle, slow body, young waiting, young reading]: the oldest of each.
    const oldest: ({ socket: Socket; since: number } | undefined)[] = [];
    for (const [socket, { state, since }] of this.open) {
      if (state === "handling") continue;
      const young = now - since < newcomerGraceMs;
      const rank = state === "answered" ? 0 : state === "waiting" ? (young ? 3 : 1) : young ? 4 : 2;
      const best = oldest[rank];
      if (best === undefined || since < best.since) oldest[rank] = { socket, since };
    }
    const reasons: EvictionReason[] = ["answered", "idle", "slowBody", "newcomer", "newcomer"];
    for (let rank = 0; rank < reasons.length; rank++) {
      const choice = oldest[rank];
      if (choice && (rank < 3 || overAllowance)) return [choice.socket, reasons[rank] ?? "newcomer"];
    }
    return null;
  }

  /** Still over the cap with newcomers in their grace: look again when the oldest one's is over. */
  private scheduleGraceEnd(): void {
    if (this.open.size <= this.policy.maxConnections || this.pass !== "none") return;
    let oldest = Infinity;
    for (const { state, since } of this.open.values()) if (state === "waiting" || state === "reading") oldest = Math.min(oldest, since);
    if (oldest === Infinity) return;
    const delay = Math.max(0, oldest + this.policy.newcomerGraceMs - this.now()) + 1;
    this.pass = setTimeout(() => this.evict(), delay);
    this.pass.unref();
  }
}
