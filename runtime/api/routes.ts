/**
 * The local API's endpoints (interfaces.md §4): a table from path and method to a handler that
 * turns a request into a call on the Controller. Bodies are small JSON objects checked with the
 * daemon's own validator (runtime/validate/).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { errorMessage } from "../errors.js";
import { OPERATIONS } from "../operations.js";
import { unknownRemotes } from "../remotes.js";
import type { Logger } from "../log.js";
import type { Controller } from "../types.js";
import * as v from "../validate/index.js";
import type { EventStreams } from "./events.js";
import { HttpError, closeAfterReply, parseJsonObject, readBody, sendError, sendJson } from "./http.js";

export const DEFAULT_API_BODY_BYTES = 64 * 1024;

export interface ApiContext {
  controller: Controller;
  log: Logger;
  events: EventStreams;
  maxBodyBytes: number;
}

interface Reply {
  status: number;
  body: unknown;
}

type Handler = (req: IncomingMessage, res: ServerResponse, ctx: ApiContext) => Promise<Reply | "streaming">;

export const FetchRequest = v.strictObject({
  remotes: v.array(v.string(), { min: 1 }).optional(),
  wait: v.boolean().optional(),
});

export const SubmitLatestRequest = v.strictObject({
  operation: v.oneOf(OPERATIONS).optional(),
});

export const ReleaseRebootLockRequest = v.strictObject({
  id: v.string().min(1).max(256).optional(),
});

const EmptyRequest = v.strictObject({});

const RollbackRequest = v.strictObject({ quarantine: v.boolean().default(true) });

const ClearQuarantineRequest = v.union(
  [v.strictObject({ commit: v.string().regex(/^[0-9a-fA-F]{4,64}$/, "expected a commit id (4 to 64 hexadecimal characters)") }), v.strictObject({ all: v.literal(true) })],
  'expected {"commit": "<commit id, 4 to 64 hexadecimal characters>"} or {"all": true}',
);

async function readRequest<T>(req: IncomingMessage, ctx: ApiContext, schema: v.Schema<T>): Promise<T> {
  const body = parseJsonObject(await readBody(req, ctx.maxBodyBytes));
  const checked = v.check(schema, body);
  if (!checked.ok) throw new HttpError(400, `invalid request: ${v.describeIssues(checked.issues, { top: "body" })}`);
  return checked.value;
}

/** The controller throws for requests it cannot honour in its current state (e.g. nothing to redeploy). */
async function asConflict<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw new HttpError(409, errorMessage(error), { cause: error });
  }
}

const fetchNow: Handler = async (req, _res, ctx) => {
  const request = await readRequest(req, ctx, FetchRequest);
  const known = ctx.controller.remotes().map((remote) => remote.name);
  const unknown = unknownRemotes(request.remotes ?? [], known);
  if (unknown !== null) throw new HttpError(400, unknown);
  const remotes = request.remotes ? [...new Set(request.remotes)] : undefined;
  const fetching = ctx.controller.fetch(remotes);
  if (request.wait) return { status: 200, body: { outcomes: await fetching } };
  fetching.catch((error: unknown) => ctx.log.error("requested fetch failed", { error }));
  return { status: 202, body: { remotes: remotes ?? known } };
};

export const ROUTES: Record<string, Partial<Record<"GET" | "POST", Handler>>> = {
  "/v1/status": { GET: async (_req, _res, ctx) => ({ status: 200, body: ctx.controller.status() }) },
  "/v1/plan": { GET: async (_req, _res, ctx) => ({ status: 200, body: ctx.controller.plan() }) },
  "/v1/fetch": { POST: fetchNow },
  "/v1/suspend": {
    POST: async (req, _res, ctx) => {
      await readRequest(req, ctx, EmptyRequest);
      const changed = await ctx.controller.suspend();
      return { status: 200, body: { suspended: true, changed } };
    },
  },
  "/v1/resume": {
    POST: async (req, _res, ctx) => {
      await readRequest(req, ctx, EmptyRequest);
      const changed = await ctx.controller.resume();
      return { status: 200, body: { suspended: false, changed } };
    },
  },
  "/v1/deployments": { GET: async (_req, _res, ctx) => ({ status: 200, body: ctx.controller.deployments() }) },
  "/v1/deployments/submit-latest": {
    POST: async (req, _res, ctx) => {
      const { operation } = await readRequest(req, ctx, SubmitLatestRequest);
      const deployment = await asConflict(() => ctx.controller.submitLatest(operation));
      return { status: 200, body: { deployment } };
    },
  },
  "/v1/confirmations": { GET: async (_req, _res, ctx) => ({ status: 200, body: ctx.controller.confirmations() }) },
  "/v1/confirmations/accept": {
    POST: async (req, _res, ctx) => {
      await readRequest(req, ctx, EmptyRequest);
      return { status: 200, body: { accepted: await asConflict(async () => ctx.controller.acceptConfirmation()) } };
    },
  },
  "/v1/rollback": {
    POST: async (req, _res, ctx) => {
      const { quarantine } = await readRequest(req, ctx, RollbackRequest);
      return { status: 200, body: { deployment: await asConflict(() => ctx.controller.rollback({ quarantine })) } };
    },
  },
  "/v1/quarantine": { GET: async (_req, _res, ctx) => ({ status: 200, body: ctx.controller.quarantine() }) },
  "/v1/quarantine/clear": {
    POST: async (req, _res, ctx) => {
      const request = await readRequest(req, ctx, ClearQuarantineRequest);
      const commit = "commit" in request ? request.commit : null;
      return { status: 200, body: { cleared: await asConflict(() => ctx.controller.clearQuarantine(commit)) } };
    },
  },
  "/v1/reboot-lock": { GET: async (_req, _res, ctx) => ({ status: 200, body: { lock: await asConflict(() => ctx.controller.rebootLock()) } }) },
  "/v1/reboot-lock/release": {
    POST: async (req, _res, ctx) => {
      const { id } = await readRequest(req, ctx, ReleaseRebootLockRequest);
      return { status: 200, body: await asConflict(() => ctx.controller.releaseRebootLock(id)) };
    },
  },
  "/v1/events": {
    GET: async (_req, res, ctx) => {
      ctx.events.attach(res);
      return "streaming";
    },
  },
};

export async function handleApiRequest(req: IncomingMessage, res: ServerResponse, ctx: ApiContext): Promise<void> {
  const method = req.method ?? "GET";
  const pathname = new URL(req.url ?? "/", "http://comin.invalid").pathname;
  try {
    const route = ROUTES[pathname];
    if (!route) throw new HttpError(404, `no such endpoint: ${method} ${pathname}`);
    const handler = route[method as "GET" | "POST"];
    if (!handler) {
      throw new HttpError(405, `${pathname} does not accept ${method} (use ${Object.keys(route).join(", ")})`, {
        headers: { allow: Object.keys(route).join(", ") },
      });
    }
    const reply = await handler(req, res, ctx);
    if (reply !== "streaming") sendJson(res, reply.status, reply.body);
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof HttpError) {
      if (error.status >= 500) ctx.log.error("local API request failed", { method, path: pathname, error });
      if (!req.complete) closeAfterReply(req, res);
      sendError(res, error);
      return;
    }
    ctx.log.error("local API request failed", { method, path: pathname, error });
    sendError(res, new HttpError(500, errorMessage(error)));
  }
}
