/**
 * The webhook listener (behaviour.md §12): a verified push only triggers a fetch of the matching
 * remotes, without waiting for it. The secret is read from its file on every request (so a
 * rotated secret applies at once) and never logged.
 */
import { readFile } from "node:fs/promises";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { CominConfig } from "../../dsl/schema.js";
import { HttpError, closeAfterReply, readBody, sendError, sendJson } from "../api/http.js";
import type { Logger } from "../log.js";
import type { Controller } from "../types.js";
import { FetchCoalescer } from "./coalesce.js";
import { matchRemotes } from "./match.js";
import { classifyEvent, parsePayload, repositoryOf } from "./payload.js";
import { verifyWebhookRequest } from "./verify.js";
import { listenHttp } from "../http-listen.js";

export type WebhookConfig = NonNullable<CominConfig["webhook"]>;

export interface WebhookServer {
  close(): Promise<void>;
  port: number;
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

async function handle(req: IncomingMessage, res: ServerResponse, args: { config: WebhookConfig; controller: Controller; log: Logger; coalescer: FetchCoalescer }): Promise<void> {
  const { config, controller, log, coalescer } = args;
  if (req.method !== "POST") throw new HttpError(405, "webhooks are POST requests", { headers: { allow: "POST" } });
  const body = await readBody(req, config.maxBodyBytes);
  const secret = await readSecret(config.secretFile);
  const verification = verifyWebhookRequest(secret, body, req.headers);
  if (!verification.ok) {
    log.warn("webhook refused", { reason: verification.reason, provider: verification.provider, from: req.socket.remoteAddress });
    throw new HttpError(401, verification.reason);
  }
  const event = classifyEvent(req.headers);
  if (event.kind === null) throw new HttpError(400, `unsupported event ${JSON.stringify(event.name)}: only push and ping are handled`);
  const payload = parsePayload(body, req.headers["content-type"]);
  if (!payload.ok) throw new HttpError(400, payload.reason);
  if (event.kind === "ping") {
    sendJson(res, 200, { ok: true, event: "ping" });
    return;
  }
  const remotes = controller.remotes();
  const matched = matchRemotes(remotes, repositoryOf(payload.value));
  const targets = matched.length > 0 ? matched : undefined;
  const outcome = coalescer.trigger(targets);
  const names = targets ?? remotes.map((remote) => remote.name);
  log.info("webhook triggered a fetch", { provider: verification.provider, remotes: names, matched: matched.length > 0, outcome });
  sendJson(res, 202, { remotes: names, matched: matched.length > 0, fetch: outcome });
}

export async function startWebhookServer(args: { config: WebhookConfig; controller: Controller; log: Logger }): Promise<WebhookServer> {
  const { config, controller } = args;
  const log = args.log.child({ component: "webhook" });
  const coalescer = new FetchCoalescer((remotes) => controller.fetch(remotes), log);
  const server = http.createServer((req, res) => {
    handle(req, res, { config, controller, log, coalescer }).catch((error: unknown) => {
      const httpError = error instanceof HttpError ? error : new HttpError(500, "internal error", { cause: error });
      if (httpError.status >= 500) log.error("webhook request failed", { error: httpError.cause ?? error });
      if (httpError.status === 413) log.warn("webhook refused: body too large", { limit: config.maxBodyBytes, from: req.socket.remoteAddress });
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (!req.complete) closeAfterReply(req, res);
      sendError(res, httpError);
    });
  });
  // Forges retry slow deliveries; a client that trickles its body must not hold a slot for long.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  const listening = await listenHttp(server, config.port, config.listenAddress);
  log.info("webhook listening", { address: config.listenAddress, port: listening.port });
  return listening;
}
