/**
 * The webhook listener (behaviour.md §12): a verified push only triggers a fetch of the remotes it
 * names, without waiting for it. Everything an unauthenticated client can hold is bounded
 * (limits.ts; at the connection cap, connections.ts says who gives way), and what the head of a
 * request reveals is refused before its body is read (admission.ts). The secret is read from its
 * file on every request (so a rotated secret applies at once) and never logged.
 */
import { readFile } from "node:fs/promises";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { CominConfig } from "../../dsl/schema.js";
import { HttpError, sendError, sendJson } from "../api/http.js";
import { listenHttp } from "../http-listen.js";
import type { Logger } from "../log.js";
import type { Controller } from "../types.js";
import { admitRequest } from "./admission.js";
import { BodyGate, declaredLength, lingerThenClose, readBody, type BodyStats } from "./body.js";
import { FetchCoalescer } from "./coalesce.js";
import { GcRelief } from "./gc-relief.js";
import { ConnectionGuard, type EvictionReason } from "./connections.js";
import { resolveLimits, type WebhookLimits } from "./limits.js";
import { matchRemotes } from "./match.js";
import { classifyEvent, parsePayload, repositoryOf } from "./payload.js";
import { RefusalLog } from "./refusals.js";
import { verifyToken, verifyWebhookRequest } from "./verify.js";

export type WebhookConfig = NonNullable<CominConfig["webhook"]>;

export interface WebhookServer {
  close(): Promise<void>;
  port: number;
  /** What clients hold now (for tests and the bench). */
  stats(): BodyStats & { connections: number; evicted: number; evictions: Record<EvictionReason, number>; collections: number };
}

interface Context {
  config: WebhookConfig;
  controller: Controller;
  log: Logger;
  refusals: RefusalLog;
  coalescer: FetchCoalescer;
  connections: ConnectionGuard;
  bodies: BodyGate;
  relief: GcRelief;
}

async function readSecret(secretFile: string): Promise<string> {
  let secret: string;
  try {
    secret = (await readFile(secretFile, "utf8")).trim();
  } catch (error) {
    throw new HttpError(500, "the webhook secret is not available", { cause: error });
  }
  // An empty key would make every signature forgeable.
  if (secret === "") throw new HttpError(500, "the webhook secret is not available");
  return secret;
}

/** A push: fetch the remotes it names, none when it names none (an organisation-wide hook). */
function triggerFetch(ctx: Context, res: ServerResponse, provider: string, payload: Record<string, unknown>): void {
  const matched = matchRemotes(ctx.controller.remotes(), repositoryOf(payload));
  if (matched.length === 0) {
    ctx.log.info("webhook names no configured remote: nothing fetched", { provider });
    sendJson(res, 202, { matched: false, remotes: [], fetch: "none" });
    return;
  }
  const outcome = ctx.coalescer.trigger(matched);
  ctx.log.info("webhook triggered a fetch", { provider, remotes: matched, outcome });
  sendJson(res, 202, { matched: true, remotes: matched, fetch: outcome });
}

async function handle(ctx: Context, req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> {
  const admitted = admitRequest(req, ctx.config.maxBodyBytes);
  // From here the request looks like a delivery: connections that made none give way first.
  ctx.connections.set(req.socket, "reading");
  res.once("close", () => ctx.connections.set(req.socket, "answered"));
  // GitLab sends the secret itself: a wrong token is refused before its body is read.
  if (admitted.provider === "gitlab" && !verifyToken(await readSecret(ctx.config.secretFile), admitted.value)) {
    throw new HttpError(401, `invalid ${admitted.header}`);
  }
  // Room is taken before the body is read, or before the client is invited to send it.
  const leave = ctx.bodies.enter(declaredLength(req.headers) ?? ctx.config.maxBodyBytes);
  let body: Buffer;
  try {
    if (expectsContinue) res.writeContinue();
    body = await readBody(req, ctx.config.maxBodyBytes);
    ctx.connections.set(req.socket, "handling");
  } finally {
    leave();
  }
  const verification = verifyWebhookRequest(await readSecret(ctx.config.secretFile), body, req.headers);
  if (!verification.ok) throw new HttpError(401, verification.reason);
  const event = classifyEvent(req.headers);
  if (event.kind === null) throw new HttpError(400, `unsupported event ${JSON.stringify(event.name)}: only push and ping are handled`);
  const payload = parsePayload(body, req.headers["content-type"]);
  if (!payload.ok) throw new HttpError(400, payload.reason);
  if (event.kind === "ping") {
    sendJson(res, 200, { ok: true, event: "ping" });
    return;
  }
  triggerFetch(ctx, res, verification.provider, payload.value);
}

function reply(ctx: Context, req: IncomingMessage, res: ServerResponse, error: unknown): void {
  const httpError = error instanceof HttpError ? error : new HttpError(500, "internal error", { cause: error });
  if (httpError.status >= 500 && httpError.status !== 503) ctx.log.error("webhook request failed", { error: httpError.cause ?? error });
  else ctx.refusals.refused("webhook refused", { status: httpError.status, reason: httpError.message, from: req.socket.remoteAddress });
  if (res.headersSent || req.socket.destroyed) {
    res.destroy();
    return;
  }
  if (!req.complete) {
    // The client may still be sending: it gets its answer, then the connection is closed.
    lingerThenClose(req);
    sendError(res, new HttpError(httpError.status, httpError.message, { headers: { ...httpError.headers, connection: "close" } }));
    return;
  }
  sendError(res, httpError);
}

export async function startWebhookServer(args: { config: WebhookConfig; controller: Controller; log: Logger; limits?: Partial<WebhookLimits> }): Promise<WebhookServer> {
  const { config, controller } = args;
  const limits = resolveLimits(config.maxBodyBytes, args.limits);
  const log = args.log.child({ component: "webhook" });
  const ctx: Context = {
    config,
    controller,
    log,
    refusals: new RefusalLog(log),
    coalescer: new FetchCoalescer((remotes) => controller.fetch(remotes), log),
    connections: new ConnectionGuard(
      limits,
      (socket) => ctx.relief.closed(socket),
      (closed) => ctx.refusals.refused("webhook connection cap reached: connections closed to make room", closed),
    ),
    bodies: new BodyGate(limits.maxBufferedBytes, limits.smallBodyBytes),
    relief: new GcRelief(),
  };
  const serve = (expectsContinue: boolean) => (req: IncomingMessage, res: ServerResponse) => {
    handle(ctx, req, res, expectsContinue).catch((error: unknown) => reply(ctx, req, res, error));
  };
  // Node's own timeouts: its connection checker enforces them on every socket at once, idle ones
  // included, every `connectionsCheckingInterval` (30 s by default, hence set here).
  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
      maxHeaderSize: limits.maxHeaderBytes,
    },
    serve(false),
  );
  // Without this listener Node answers "100 Continue" itself, inviting a body it may refuse.
  server.on("checkContinue", serve(true));
  server.on("connection", (socket) => ctx.connections.add(socket));
  const listening = await listenHttp(server, config.port, config.listenAddress);
  log.info("webhook listening", { address: config.listenAddress, port: listening.port, limits });
  return {
    port: listening.port,
    stats: () => ({ ...ctx.bodies.stats(), connections: ctx.connections.size, evicted: ctx.connections.evicted, evictions: { ...ctx.connections.evictions }, collections: ctx.relief.collections }),
    close: async () => {
      ctx.refusals.close();
      await listening.close();
    },
  };
}
