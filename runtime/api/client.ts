/**
 * The CLI's side of the local API: one HTTP request per call over the daemon's Unix socket.
 * Connection failures become typed errors so the CLI can say "the daemon is not running".
 */
import http from "node:http";
import type { CominEvent, ConfirmationStatus, DeploymentRecord, FetchOutcome, HistoryEntry, Operation, PlanJson, QuarantineEntry, RebootLockStatus, StatusJson } from "../types.js";

/** Nothing listens on the socket: no socket file, or a stale one. */
export class DaemonNotRunningError extends Error {
  override readonly name = "DaemonNotRunningError";
  constructor(
    readonly socketPath: string,
    readonly reason: "no-socket" | "not-listening",
    options?: { cause?: unknown },
  ) {
    super(
      reason === "no-socket"
        ? `the daemon is not running (no socket at ${socketPath})`
        : `the daemon is not running (nothing listens on ${socketPath})`,
      options,
    );
  }
}

/** The socket exists but this user may not use it (it is root-only). */
export class DaemonAccessError extends Error {
  override readonly name = "DaemonAccessError";
  constructor(
    readonly socketPath: string,
    options?: { cause?: unknown },
  ) {
    super(`permission denied on ${socketPath}: the local API is reserved to root`, options);
  }
}

/** The daemon answered with an error status; `message` is its `{ error }`. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The request failed on the way (timeout, connection cut, unreadable reply). */
export class ApiRequestError extends Error {
  override readonly name = "ApiRequestError";
}

export interface ApiClient {
  status(): Promise<StatusJson>;
  /** Asks for a fetch and returns at once, with the remotes that will be fetched. */
  requestFetch(remotes?: string[]): Promise<string[]>;
  /** Fetches and returns each remote's outcome once the fetch has finished. */
  fetchAndWait(remotes?: string[]): Promise<FetchOutcome[]>;
  /** false: the agent already was suspended (resp. running); nothing changed. */
  plan(): Promise<PlanJson>;
  suspend(): Promise<boolean>;
  resume(): Promise<boolean>;
  deployments(): Promise<HistoryEntry[]>;
  submitLatest(operation?: Operation): Promise<DeploymentRecord | null>;
  confirmations(): Promise<ConfirmationStatus[]>;
  acceptConfirmation(): Promise<ConfirmationStatus[]>;
  /** `comin rollback`: resolves when the rollback has ended. */
  rollback(quarantine: boolean): Promise<DeploymentRecord>;
  quarantine(): Promise<QuarantineEntry[]>;
  /** Lifts the quarantine of `commit` (null: all); returns what was lifted. */
  clearQuarantine(commit: string | null): Promise<QuarantineEntry[]>;
  /** The fleet reboot lock as its service sees it now; null without `reboot.coordination`. */
  rebootLock(): Promise<RebootLockStatus | null>;
  releaseRebootLock(id?: string): Promise<{ id: string; released: boolean; lock: RebootLockStatus }>;
  /** Calls `onEvent` for each event until the daemon ends the stream or `signal` aborts. */
  events(onEvent: (event: CominEvent) => void, signal?: AbortSignal): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 60_000;

function connectionError(socketPath: string, error: NodeJS.ErrnoException): Error {
  if (error.code === "ENOENT") return new DaemonNotRunningError(socketPath, "no-socket", { cause: error });
  if (error.code === "ECONNREFUSED") return new DaemonNotRunningError(socketPath, "not-listening", { cause: error });
  if (error.code === "EACCES" || error.code === "EPERM") return new DaemonAccessError(socketPath, { cause: error });
  return new ApiRequestError(`request to the daemon failed: ${error.message}`, { cause: error });
}

function open(
  socketPath: string,
  method: "GET" | "POST",
  path: string,
  body: unknown,
  timeoutMs: number | null,
  signal?: AbortSignal,
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({
      socketPath,
      method,
      path,
      headers: payload === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
      ...(signal ? { signal } : {}),
    });
    if (timeoutMs !== null) {
      req.setTimeout(timeoutMs, () => req.destroy(new ApiRequestError(`the daemon did not answer within ${timeoutMs / 1000}s`)));
    }
    req.once("response", resolve);
    req.once("error", (error: NodeJS.ErrnoException) => reject(error instanceof ApiRequestError || error.name === "AbortError" ? error : connectionError(socketPath, error)));
    req.end(payload);
  });
}

async function readJson(res: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiRequestError(`the daemon sent an unreadable reply (HTTP ${res.statusCode})`, { cause: error });
  }
  const status = res.statusCode ?? 0;
  if (status >= 400) {
    const message = typeof value === "object" && value !== null && "error" in value ? String((value as { error: unknown }).error) : `HTTP ${status}`;
    throw new ApiError(status, message);
  }
  return value;
}

export function createApiClient(socketPath: string, options: { timeoutMs?: number } = {}): ApiClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const call = async <T>(method: "GET" | "POST", path: string, body?: unknown, timeout: number | null = timeoutMs): Promise<T> =>
    (await readJson(await open(socketPath, method, path, body, timeout))) as T;

  return {
    status: () => call<StatusJson>("GET", "/v1/status"),
    requestFetch: async (remotes) => (await call<{ remotes: string[] }>("POST", "/v1/fetch", { ...(remotes ? { remotes } : {}) })).remotes,
    // A fetch may legitimately take as long as the remotes' own timeouts: no client-side limit.
    fetchAndWait: async (remotes) =>
      (await call<{ outcomes: FetchOutcome[] }>("POST", "/v1/fetch", { ...(remotes ? { remotes } : {}), wait: true }, null)).outcomes,
    plan: () => call<PlanJson>("GET", "/v1/plan"),
    // An older daemon answers without `changed`: it refused the no-op with 409 instead.
    suspend: async () => (await call<{ changed?: boolean }>("POST", "/v1/suspend", {})).changed ?? true,
    resume: async () => (await call<{ changed?: boolean }>("POST", "/v1/resume", {})).changed ?? true,
    deployments: () => call<HistoryEntry[]>("GET", "/v1/deployments"),
    submitLatest: async (operation) =>
      (await call<{ deployment: DeploymentRecord | null }>("POST", "/v1/deployments/submit-latest", operation ? { operation } : {})).deployment,
    confirmations: () => call<ConfirmationStatus[]>("GET", "/v1/confirmations"),
    acceptConfirmation: async () => (await call<{ accepted: ConfirmationStatus[] }>("POST", "/v1/confirmations/accept", {})).accepted,
    // A rollback is an activation: as long as switch-to-configuration may take, no client-side limit.
    rollback: async (quarantine) => (await call<{ deployment: DeploymentRecord }>("POST", "/v1/rollback", { quarantine }, null)).deployment,
    quarantine: () => call<QuarantineEntry[]>("GET", "/v1/quarantine"),
    clearQuarantine: async (commit) => (await call<{ cleared: QuarantineEntry[] }>("POST", "/v1/quarantine/clear", commit === null ? { all: true } : { commit })).cleared,
    rebootLock: async () => (await call<{ lock: RebootLockStatus | null }>("GET", "/v1/reboot-lock")).lock,
    releaseRebootLock: (id) => call<{ id: string; released: boolean; lock: RebootLockStatus }>("POST", "/v1/reboot-lock/release", id === undefined ? {} : { id }),
    events: async (onEvent, signal) => {
      const res = await open(socketPath, "GET", "/v1/events", undefined, null, signal);
      if ((res.statusCode ?? 0) >= 400) {
        await readJson(res);
        return;
      }
      // Decoding as a stream keeps a character split across two chunks intact.
      res.setEncoding("utf8");
      let rest = "";
      try {
        for await (const chunk of res) {
          const lines = (rest + (chunk as string)).split("\n");
          rest = lines.pop() ?? "";
          for (const line of lines) if (line.trim() !== "") onEvent(JSON.parse(line) as CominEvent);
        }
      } catch (error) {
        if (signal?.aborted) return;
        throw new ApiRequestError("the event stream was cut", { cause: error });
      }
    },
  };
}
