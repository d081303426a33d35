/**
 * Hostile webhook clients on real TCP sockets, for the tests and the bench: connections that send
 * nothing, headers or bodies that never end. A client never closes its socket before `destroy()`,
 * so every socket that closes earlier was closed by the server; what the server answered is kept.
 */
import { createHmac } from "node:crypto";
import net from "node:net";

export type HostileKind = "idle" | "trickled-headers" | "partial-body" | "endless-chunked";

export interface HostileOptions {
  port: number;
  kind: HostileKind;
  count: number;
  /** partial-body: Content-Length announced, and bytes actually sent (less). */
  declaredBytes?: number;
  sentBytes?: number;
  /** trickled-headers, endless-chunked: a few bytes every this many ms. */
  trickleMs?: number;
  /**
   * partial-body: ask for `100 Continue` and send the body only then, so that `open` resolves
   * once the server has admitted every request (the head passed its checks).
   */
  awaitContinue?: boolean;
}

interface Client {
  socket: net.Socket;
  closedByServer: boolean;
  reply: string;
}

const TRICKLE_MS = 200;
const CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";
const CONNECT_BATCH = 100;

function head(kind: HostileKind, declaredBytes: number, awaitContinue: boolean): string {
  const lines = ["POST / HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json", "X-GitHub-Event: push", `X-Hub-Signature-256: sha256=${"0".repeat(64)}`];
  if (kind === "trickled-headers") return `${lines.join("\r\n")}\r\n`;
  lines.push(kind === "endless-chunked" ? "Transfer-Encoding: chunked" : `Content-Length: ${declaredBytes}`);
  if (awaitContinue) lines.push("Expect: 100-continue");
  return `${lines.join("\r\n")}\r\n\r\n`;
}

export class HostileClients {
  private readonly clients: Client[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private destroyed = false;

  private constructor(private readonly options: HostileOptions) {}

  /** Opens `count` clients (in batches, so as not to overflow the listen backlog); resolves once each is under way or closed. */
  static async open(options: HostileOptions): Promise<HostileClients> {
    const flood = new HostileClients(options);
    for (let start = 0; start < options.count; start += CONNECT_BATCH) {
      const batch = Math.min(CONNECT_BATCH, options.count - start);
      await Promise.all(Array.from({ length: batch }, () => flood.connect()));
    }
    return flood;
  }

  get count(): number {
    return this.clients.length;
  }

  /** Clients whose socket the server closed. */
  get closedByServer(): number {
    return this.clients.filter((client) => client.closedByServer).length;
  }

  /** Clients the server invited to send their body (`100 Continue`). */
  get continued(): number {
    return this.clients.filter((client) => client.reply.startsWith(CONTINUE)).length;
  }

  /** Clients that got a final HTTP reply with this status. */
  answered(status: number): number {
    const final = (reply: string) => (reply.startsWith(CONTINUE) ? reply.slice(CONTINUE.length) : reply);
    return this.clients.filter((client) => final(client.reply).startsWith(`HTTP/1.1 ${status} `)).length;
  }

  /** Waits until the server has closed every client, failing after `deadlineMs` with the count. */
  async allClosedByServer(deadlineMs: number, what: string): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    while (this.closedByServer < this.clients.length) {
      if (Date.now() > deadline) throw new Error(`${what}: the server closed ${this.closedByServer} of ${this.clients.length} ${this.options.kind} clients within ${deadlineMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  destroy(): void {
    this.destroyed = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const client of this.clients) client.socket.destroy();
  }

  private connect(): Promise<void> {
    const { port } = this.options;
    const socket = net.connect(port, "127.0.0.1");
    const client: Client = { socket, closedByServer: false, reply: "" };
    this.clients.push(client);
    socket.setEncoding("latin1");
    socket.on("data", (text: string) => {
      if (client.reply.length < 512) client.reply += text;
    });
    socket.on("error", () => {});
    return new Promise((resolve) => {
      socket.once("connect", () => this.start(client, resolve));
      socket.once("close", () => {
        if (!this.destroyed) client.closedByServer = true;
        resolve();
      });
    });
  }

  /** Starts sending what the client's kind sends; `started` once it is under way. */
  private start(client: Client, started: () => void): void {
    const { kind, declaredBytes = 1024 * 1024, sentBytes = 512 * 1024, trickleMs = TRICKLE_MS, awaitContinue = false } = this.options;
    if (kind === "idle") return started();
    client.socket.write(head(kind, declaredBytes, awaitContinue));
    if (kind === "partial-body" && awaitContinue) {
      const send = () => {
        if (!client.reply.startsWith("HTTP/1.1 ")) return;
        client.socket.off("data", send);
        // Invited: the body goes; refused outright: nothing does.
        if (client.reply.startsWith(CONTINUE)) client.socket.write(sharedBody(sentBytes));
        started();
      };
      client.socket.on("data", send);
      return;
    }
    if (kind === "partial-body") {
      client.socket.write(sharedBody(sentBytes));
      return started();
    }
    started();
    const piece = kind === "trickled-headers" ? "X-Padding: a\r\n" : "1\r\na\r\n";
    const timer = setInterval(() => {
      if (client.socket.destroyed) clearInterval(timer);
      else client.socket.write(piece);
    }, trickleMs);
    this.timers.add(timer);
    client.socket.once("close", () => {
      clearInterval(timer);
      this.timers.delete(timer);
    });
  }
}

let shared = Buffer.alloc(0);

/** One buffer written by every partial-body client: the flood costs the sender nothing. */
function sharedBody(bytes: number): Buffer {
  if (shared.length < bytes) shared = Buffer.alloc(bytes, "x");
  return shared.subarray(0, bytes);
}

export interface SignedReply {
  status: number;
  json: Record<string, unknown>;
}

export interface PushOptions {
  path?: string;
  /**
   * Opens the connection, then sends the request only this much later (as a forge on a loaded
   * machine or a slow link may): the server sees a connection that has sent nothing yet.
   */
  headDelayMs?: number;
  /** Gives up (rejects with code ETIMEDOUT) when no whole reply came within this time. */
  timeoutMs?: number;
}

/** A GitHub push about `cloneUrl`, signed with `secret`: the raw request, head and body. */
export function signedPushRequest(secret: string, cloneUrl: string, path = "/"): string {
  const body = JSON.stringify({ ref: "refs/heads/main", after: "0".repeat(40), repository: { clone_url: cloneUrl } });
  const signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  const head = [`POST ${path} HTTP/1.1`, "Host: 127.0.0.1", "Connection: close", "Content-Type: application/json", "X-GitHub-Event: push", `X-Hub-Signature-256: ${signature}`, `Content-Length: ${Buffer.byteLength(body)}`];
  return `${head.join("\r\n")}\r\n\r\n${body}`;
}

class PushError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** The status and JSON body of a whole reply in `text`, or null while it is incomplete. */
function parseReply(text: string): SignedReply | null {
  const end = text.indexOf("\r\n\r\n");
  if (end === -1) return null;
  const head = text.slice(0, end);
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1] ?? 0);
  const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? Number.NaN);
  const body = text.slice(end + 4);
  if (!Number.isFinite(length) || Buffer.byteLength(body) < length) return null;
  try {
    return { status, json: JSON.parse(body) as Record<string, unknown> };
  } catch (error) {
    throw new PushError(`HTTP ${status}: not JSON: ${body.slice(0, 200)}`, "EBADREPLY");
  }
}

/**
 * A GitHub push about `cloneUrl`, signed with `secret`, on a connection of its own (no pool: a
 * pooled socket may have been closed by the server in the meantime). Rejects with the socket's
 * error code (ECONNRESET...), ECLOSED when the server closed without a whole reply, ETIMEDOUT.
 */
export function sendSignedPush(port: number, secret: string, cloneUrl: string, options: PushOptions = {}): Promise<SignedReply> {
  const { path = "/", headDelayMs = 0, timeoutMs } = options;
  const request = signedPushRequest(secret, cloneUrl, path);
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      socket.destroy();
      outcome();
    };
    if (timeoutMs !== undefined) timers.push(setTimeout(() => settle(() => reject(new PushError(`no reply within ${timeoutMs} ms`, "ETIMEDOUT"))), timeoutMs));
    socket.once("connect", () => {
      if (headDelayMs > 0) timers.push(setTimeout(() => socket.write(request), headDelayMs));
      else socket.write(request);
    });
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      text += chunk;
      try {
        const reply = parseReply(text);
        if (reply) settle(() => resolve(reply));
      } catch (error) {
        settle(() => reject(error as Error));
      }
    });
    socket.on("error", (error: NodeJS.ErrnoException) => settle(() => reject(new PushError(error.message, error.code ?? "EUNKNOWN"))));
    socket.on("close", () => settle(() => reject(new PushError(text === "" ? "the server closed the connection without a reply" : `the server closed the connection mid-reply: ${text.slice(0, 80)}`, "ECLOSED"))));
  });
}

/** Why a push was not served, as the bench counts it: an HTTP status, or how the connection failed. */
export function pushFailureReason(outcome: SignedReply | Error, expected = 202): string | null {
  if (!(outcome instanceof Error)) return outcome.status === expected ? null : `HTTP ${outcome.status}`;
  const code = (outcome as NodeJS.ErrnoException).code;
  return code ?? outcome.message;
}
