/**
 * A Controller for tests of the control plane (API, CLI, metrics, webhook): state is a plain
 * object the test edits, every call is recorded, events are emitted by hand, and fetches resolve
 * when the test says so (or at once).
 */
import type {
  CominEvent,
  ConfirmationStatus,
  Controller,
  DeploymentRecord,
  FetchOutcome,
  GenerationStatus,
  HistoryEntry,
  Operation,
  PlanJson,
  QuarantineEntry,
  RebootEntry,
  RebootLockStatus,
  StageRecord,
  StatusJson,
} from "../../runtime/types.js";

export const SHA_A = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";
export const SHA_B = "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c";

type StageOverride = Partial<StageRecord> & { status: StageRecord["status"] };
type GenerationOverrides = Omit<Partial<GenerationStatus>, "eval" | "build" | "deploy"> & { eval?: StageOverride; build?: StageOverride; deploy?: StageOverride & { deploymentId?: string | null } };

/** A stage record; `attempts` defaults to 0. */
export function stage(record: StageOverride): StageRecord {
  return { error: null, startedAt: null, endedAt: null, attempts: 0, ...record };
}

export function sampleGeneration(overrides: GenerationOverrides = {}): GenerationStatus {
  const { eval: evalStage, build, deploy, ...rest } = overrides;
  return {
    id: "gen-1",
    commit: SHA_A,
    remote: "origin",
    branch: "main",
    isTesting: false,
    message: "web1: enable the exporter",
    flakeUrl: `git+file:///var/lib/comin/repository?dir=.&rev=${SHA_A}`,
    drvPath: "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-nixos-system-web1.drv",
    outPath: "/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-nixos-system-web1",
    machineId: null,
    source: null,
    prebuiltMiss: null,
    createdAt: "2026-06-20T09:50:00.000Z",
    operation: "switch",
    attempt: 0,
    ...rest,
    eval: stage(evalStage ?? { status: "done", startedAt: "2026-06-20T09:50:00.000Z", endedAt: "2026-06-20T09:50:12.000Z" }),
    build: stage(build ?? { status: "done", startedAt: "2026-06-20T09:50:12.000Z", endedAt: "2026-06-20T09:55:00.000Z" }),
    deploy: { deploymentId: "dep-1", ...stage(deploy ?? { status: "done" }) },
  };
}

export function sampleDeployment(overrides: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    id: "dep-1",
    kind: "deployment",
    generationId: "gen-1",
    commit: SHA_A,
    remote: "origin",
    branch: "main",
    message: "web1: enable the exporter",
    operation: "switch",
    operationSubmitted: "switch",
    reason: null,
    status: "done",
    outPath: "/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-nixos-system-web1",
    profilePath: "/nix/var/nix/profiles/system-profiles/comin-12-link",
    createdAt: "2026-06-20T09:55:00.000Z",
    startedAt: "2026-06-20T09:55:01.000Z",
    endedAt: "2026-06-20T09:57:00.000Z",
    error: null,
    previousOutPath: null,
    health: { status: "skipped", checks: [] },
    rollback: null,
    ...overrides,
  };
}

export function sampleReboot(overrides: Partial<RebootEntry> = {}): RebootEntry {
  return { kind: "reboot", id: "r-1", createdAt: "2026-06-20T09:58:00.000Z", reason: "the kernel changed", from: "/nix/store/a", to: "/nix/store/b", ...overrides };
}

export function sampleStatus(overrides: Partial<StatusJson> = {}): StatusJson {
  return {
    hostname: "web1",
    version: "0.1.0",
    suspended: false,
    needToReboot: false,
    needToRebootReason: null,
    baseline: SHA_A,
    remotes: [
      {
        name: "origin",
        url: "https://git.example.org/acme/infra.git",
        lastFetch: { at: "2026-06-20T09:58:00.000Z", ok: true, error: null },
        main: { name: "main", commit: SHA_A, error: null },
        testing: { name: "testing-web1", commit: null, error: null },
      },
    ],
    candidate: { commit: SHA_A, remote: "origin", branch: "main", isTesting: false, signed: null, signedBy: null },
    generation: sampleGeneration(),
    deployment: sampleDeployment(),
    quarantine: [],
    bootVerification: null,
    lastReboot: null,
    rebootLock: null,
    confirmations: [],
    pending: null,
    retry: null,
    fetching: false,
    startedAt: "2026-06-20T07:00:00.000Z",
    ...overrides,
  };
}

export interface RecordedCall {
  method: keyof Controller;
  args: unknown[];
}

/** A promise with its resolve function exposed, to hold a fetch open until the test releases it. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class FakeController implements Controller {
  state: StatusJson;
  history: HistoryEntry[];
  pendingConfirmations: ConfirmationStatus[] = [];
  readonly calls: RecordedCall[] = [];
  /** Replaced by tests that need slow or failing fetches. */
  fetchBehaviour: (remotes: string[] | undefined) => Promise<FetchOutcome[]> | FetchOutcome[];
  /** Replaced by tests that need submitLatest to fail. */
  submitBehaviour: (operation: Operation | undefined) => Promise<DeploymentRecord | null> | DeploymentRecord | null;
  /** Replaced by tests that need a rollback to fail. */
  rollbackBehaviour: (options: { quarantine: boolean }) => Promise<DeploymentRecord> | DeploymentRecord = () =>
    sampleDeployment({ status: "rolled-back", rollback: { trigger: "manual", to: "/nix/store/cccccccccccccccccccccccccccccccc-nixos-system-web1", status: "done", error: null } });
  private readonly listeners = new Set<(event: CominEvent) => void>();

  constructor(state: StatusJson = sampleStatus(), history: HistoryEntry[] = [sampleDeployment()]) {
    this.state = state;
    this.history = history;
    this.fetchBehaviour = (remotes) =>
      (remotes ?? this.state.remotes.map((r) => r.name)).map((remote) => ({ remote, ok: true, error: null }));
    this.submitBehaviour = (operation) =>
      sampleDeployment({ id: "dep-2", status: "running", operation: operation ?? "switch", reason: "submitted by comin deployment submit-latest" });
  }

  status(): StatusJson {
    this.calls.push({ method: "status", args: [] });
    return structuredClone(this.state);
  }

  async fetch(remotes?: string[]): Promise<FetchOutcome[]> {
    this.calls.push({ method: "fetch", args: [remotes] });
    return this.fetchBehaviour(remotes);
  }

  plan(): PlanJson {
    this.calls.push({ method: "plan", args: [] });
    return { action: "idle", summary: "nothing to do: the current candidate is deployed", candidate: null, operation: null, outPath: null, blockers: [] };
  }

  async suspend(): Promise<boolean> {
    this.calls.push({ method: "suspend", args: [] });
    const changed = !this.state.suspended;
    this.state.suspended = true;
    return changed;
  }

  async resume(): Promise<boolean> {
    this.calls.push({ method: "resume", args: [] });
    const changed = this.state.suspended;
    this.state.suspended = false;
    return changed;
  }

  deployments(): HistoryEntry[] {
    this.calls.push({ method: "deployments", args: [] });
    return structuredClone(this.history);
  }

  async submitLatest(operation?: Operation): Promise<DeploymentRecord | null> {
    this.calls.push({ method: "submitLatest", args: [operation] });
    return this.submitBehaviour(operation);
  }

  confirmations(): ConfirmationStatus[] {
    this.calls.push({ method: "confirmations", args: [] });
    return structuredClone(this.pendingConfirmations);
  }

  acceptConfirmation(): ConfirmationStatus[] {
    this.calls.push({ method: "acceptConfirmation", args: [] });
    const accepted = this.pendingConfirmations;
    this.pendingConfirmations = [];
    return accepted;
  }

  async rollback(options: { quarantine: boolean }): Promise<DeploymentRecord> {
    this.calls.push({ method: "rollback", args: [options] });
    return this.rollbackBehaviour(options);
  }

  quarantine(): QuarantineEntry[] {
    this.calls.push({ method: "quarantine", args: [] });
    return structuredClone(this.state.quarantine);
  }

  async clearQuarantine(commit: string | null): Promise<QuarantineEntry[]> {
    this.calls.push({ method: "clearQuarantine", args: [commit] });
    const cleared = this.state.quarantine.filter((entry) => commit === null || entry.commit.startsWith(commit));
    if (commit !== null && cleared.length === 0) throw new Error(`commit ${commit} is not quarantined`);
    this.state.quarantine = this.state.quarantine.filter((entry) => !cleared.includes(entry));
    return cleared;
  }

  subscribe(listener: (event: CominEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  remotes(): { name: string; url: string }[] {
    return this.state.remotes.map(({ name, url }) => ({ name, url }));
  }

  async rebootLock(): Promise<RebootLockStatus | null> {
    this.calls.push({ method: "rebootLock", args: [] });
    return structuredClone(this.state.rebootLock);
  }

  async releaseRebootLock(id?: string): Promise<{ id: string; released: boolean; lock: RebootLockStatus }> {
    this.calls.push({ method: "releaseRebootLock", args: [id] });
    const lock = this.state.rebootLock;
    if (!lock) throw new Error("reboot coordination is not configured (reboot.coordination is null)");
    const holder = id ?? "this-machine";
    const released = lock.holders.includes(holder);
    lock.holders = lock.holders.filter((h) => h !== holder);
    if (id === undefined) lock.held = false;
    return { id: holder, released, lock: structuredClone(lock) };
  }

  emit(event: CominEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  callsOf(method: keyof Controller): unknown[][] {
    return this.calls.filter((call) => call.method === method).map((call) => call.args);
  }
}

/** Polls `condition` until it holds; fails with `message` after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, message: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
