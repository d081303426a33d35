/**
 * Shapes shared by the daemon's stages, its state file, the local API and the CLI client.
 * `StatusJson` is the public `comin status --json` (interfaces.md §4).
 */
import type { OperationName } from "../dsl/schema.js";
import type { Stage, StageRecord, StageStatus } from "./agent/stages.js";

export type { Stage, StageRecord, StageStatus };
export type Operation = OperationName;
export type DeploymentStatus = "running" | "verifying" | "done" | "failed" | "skipped" | "rolled-back";

/** One health check's last result (§14); `ok` null: not run yet. */
export interface HealthCheckResult {
  name: string;
  ok: boolean | null;
  detail: string | null;
}

export const HEALTH_STATUSES = ["pending", "running", "passed", "failed", "skipped"] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** The health verification of a deployment (`skipped` when `health` is null or nothing was activated). */
export interface DeploymentHealth {
  status: HealthStatus;
  checks: HealthCheckResult[];
}

export const ROLLBACK_TRIGGERS = ["activation", "health", "boot", "manual"] as const;
export type RollbackTrigger = (typeof ROLLBACK_TRIGGERS)[number];

/** A rollback of a deployment to the system before it (§14). */
export interface RollbackRecord {
  trigger: RollbackTrigger;
  /** The system returned to. */
  to: string | null;
  status: "running" | "done" | "failed";
  error: string | null;
}

/** A commit (and its system) that is never deployed again until cleared (§14). */
export interface QuarantineEntry {
  commit: string;
  outPath: string | null;
  reason: string;
  at: string;
}

export interface BranchStatus {
  name: string | null;
  commit: string | null;
  error: string | null;
}

export interface RemoteStatus {
  name: string;
  url: string;
  lastFetch: { at: string; ok: boolean; error: string | null } | null;
  main: BranchStatus;
  testing: BranchStatus;
}

export interface Candidate {
  commit: string;
  remote: string;
  branch: string;
  isTesting: boolean;
  /** null when no signature trust is configured. */
  signed: boolean | null;
  signedBy: string | null;
  /** Commit message (first 4 KiB), for status and COMIN_GIT_MSG. */
  message?: string;
}

/** Where a generation's system comes from: evaluated and built here, or published by CI (§15). */
export type GenerationSource = "local" | "prebuilt";

/** Why a published system was not used (§15); `waitingSince` is set while the generation waits for one. */
export interface PrebuiltMiss {
  reason: string;
  /** When the manifest was last looked for (the start of that look); null when evaluated here instead. */
  waitingSince: string | null;
}

/** One evaluation (+ build, + deployment) of one candidate. */
export interface GenerationRecord {
  id: string;
  commit: string;
  remote: string;
  branch: string;
  isTesting: boolean;
  message: string;
  flakeUrl: string | null;
  drvPath: string | null;
  outPath: string | null;
  machineId: string | null;
  /** null until the evaluation stage has resolved the system. */
  source: GenerationSource | null;
  prebuiltMiss: PrebuiltMiss | null;
  createdAt: string;
  /** Operation this generation is deployed with (from its branch, or a manual submit). */
  operation: Operation;
  eval: StageRecord;
  build: StageRecord;
  /** `skipped` when the same system and operation are already current. */
  deploy: DeployStageRecord;
}

/** The deploy stage also names the deployment it made. */
export interface DeployStageRecord extends StageRecord {
  deploymentId: string | null;
}

/** A generation as `status` shows it: `attempt` is its failed attempts, every stage together (§10). */
export type GenerationStatus = GenerationRecord & { attempt: number };

export interface DeploymentRecord {
  kind: "deployment";
  id: string;
  generationId: string | null;
  commit: string | null;
  remote: string | null;
  branch: string | null;
  message: string | null;
  /** The operation run; null when switch inhibitors made a `test` skip. */
  operation: Operation | null;
  /** Operation requested before switch inhibitors were applied. */
  operationSubmitted: Operation;
  reason: string | null;
  status: DeploymentStatus;
  outPath: string | null;
  profilePath: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  error: string | null;
  /** The system that was current when the deployment started: where a rollback returns to. */
  previousOutPath: string | null;
  health: DeploymentHealth;
  rollback: RollbackRecord | null;
}

/** Verification of the booted system after a reboot into a newly installed one (§14, §16). */
export interface BootVerification {
  outPath: string;
  status: "running" | "passed" | "failed";
  startedAt: string;
  finishedAt: string | null;
}

/** A reboot in the history (`comin deployment list` shows it as a line that says `reboot`). */
export interface RebootEntry {
  kind: "reboot";
  id: string;
  createdAt: string;
  reason: string;
  /** The booted system before the reboot, and the one it reboots into. */
  from: string | null;
  to: string | null;
}

/** The deployment history, oldest first: deployments and reboots. */
export type HistoryEntry = DeploymentRecord | RebootEntry;

export const isDeployment = (entry: HistoryEntry): entry is DeploymentRecord => entry.kind === "deployment";
export const isReboot = (entry: HistoryEntry): entry is RebootEntry => entry.kind === "reboot";

export interface RebootRecord {
  at: string;
  reason: string;
  from: string | null;
  to: string | null;
}

export type ConfirmationStage = "build" | "deploy";

export interface ConfirmationStatus {
  stage: ConfirmationStage;
  mode: "without" | "manual" | "auto";
  generationId: string;
  commit: string;
  submittedAt: string;
  /** For `auto`: when it proceeds by itself. */
  autoAt: string | null;
}

/** Something wrong now (status `problems`, an extension of interfaces.md §4; issue 14.4). */
export interface Problem {
  /** fetch: the last fetch failed; refused: selection refused a head (reset, behind, unsigned, missing). */
  kind: "fetch" | "refused" | "eval" | "build" | "deploy" | "machine-id";
  /** What it concerns: a remote, `remote/branch`, or `remote/branch <commit>`. */
  subject: string;
  message: string;
  since: string | null;
}

/** The fleet reboot lock in `comin status` (interfaces.md §7; `backend` is an addition). */
export interface RebootLockStatus {
  backend: "etcd" | "fleetLock";
  group: string;
  /** null with FleetLock: the server owns the slot count. */
  slots: number | null;
  holders: string[];
  /** This machine holds a slot. */
  held: boolean;
  /** Why the last request to the lock service failed; null when it answered. */
  error: string | null;
}

export interface StatusJson {
  hostname: string;
  version: string;
  suspended: boolean;
  needToReboot: boolean;
  needToRebootReason: string | null;
  baseline: string | null;
  remotes: RemoteStatus[];
  candidate: Candidate | null;
  generation: GenerationStatus | null;
  deployment: DeploymentRecord | null;
  quarantine: QuarantineEntry[];
  /** Health verification after a reboot into a newly installed system (§14). */
  bootVerification: BootVerification | null;
  lastReboot: RebootRecord | null;
  /** null when `reboot.coordination` is not set. */
  rebootLock: RebootLockStatus | null;
  confirmations: ConfirmationStatus[];
  /** What the loop waits for, in words ("retry 2/3 of the build in 30s", "a reboot window"). */
  pending: string | null;
  retry: { stage: Stage; attempt: number; of: number; at: string } | null;
  fetching: boolean;
  startedAt: string;
  /** Until when the pending action waits (e.g. the next reboot window's opening), if known (extension). */
  pendingUntil?: string | null;
  /** Everything wrong now; `comin status` exits 1 when it is not empty (extension). */
  problems?: Problem[];
  /** Whether signature trust is configured (extension: the candidate's `signed: null` explained). */
  signatureTrust?: boolean;
}

/** What holds the candidate back (`comin plan`, issue 14.7). */
export interface PlanBlocker {
  kind: "suspended" | "confirmation" | "quarantine" | "window" | "machine-id" | "signatures" | "selection" | "retry";
  message: string;
}

/** `comin plan --json` (extension of interfaces.md §7): what the agent would do now and why. */
export interface PlanJson {
  /** The planner's action (`evaluate`, `build`, `deploy`, `wait`, `idle`, …). */
  action: string;
  summary: string;
  candidate: Pick<Candidate, "commit" | "remote" | "branch" | "isTesting" | "signed" | "signedBy"> | null;
  operation: Operation | null;
  /** The candidate's system if already evaluated. */
  outPath: string | null;
  blockers: PlanBlocker[];
}

/** Events on the local event stream (`comin events`), one JSON object per line. */
export type CominEvent =
  | { type: "fetch-started"; at: string; remotes: string[] }
  | { type: "fetch-finished"; at: string; remote: string; ok: boolean; error: string | null; durationMs: number }
  | { type: "candidate-selected"; at: string; candidate: Candidate }
  | { type: "eval-started" | "build-started"; at: string; generation: string; commit: string }
  | { type: "eval-finished" | "build-finished"; at: string; generation: string; commit: string; status: StageStatus; error: string | null; durationMs: number }
  | { type: "deployment-started"; at: string; deployment: DeploymentRecord }
  | { type: "deployment-finished"; at: string; deployment: DeploymentRecord; durationMs: number }
  | { type: "confirmation-pending" | "confirmation-accepted"; at: string; confirmation: ConfirmationStatus }
  | { type: "retry-scheduled"; at: string; stage: Stage; attempt: number; of: number; due: string }
  | { type: "reboot-required"; at: string; reason: string }
  | { type: "reboot"; at: string; reboot: RebootRecord }
  | { type: "suspended" | "resumed"; at: string }
  | { type: "health-check-failed"; at: string; deployment: string | null; check: string; detail: string | null }
  | { type: "rolled-back" | "rollback-failed"; at: string; deployment: DeploymentRecord; rollback: RollbackRecord }
  | { type: "quarantined"; at: string; entry: QuarantineEntry };

export interface FetchOutcome {
  remote: string;
  ok: boolean;
  error: string | null;
  /** Wall time of this remote's fetch. */
  durationMs?: number;
  /** What the fetch changed, per branch (extension, filled by the agent for `fetch --wait`). */
  branches?: FetchedBranch[];
}

/** One branch after a fetch: its head before and after, and the selection's refusal if any. */
export interface FetchedBranch {
  role: "main" | "testing";
  name: string;
  before: string | null;
  after: string | null;
  error: string | null;
}

/** What the local API and the webhook may ask of the daemon. Implemented by the agent. */
export interface Controller {
  status(): StatusJson;
  /** Fetch now (all remotes when `remotes` is undefined); resolves when that fetch has finished. */
  fetch(remotes?: string[]): Promise<FetchOutcome[]>;
  /** Both idempotent: they resolve to false when the agent already was in that state. */
  suspend(): Promise<boolean>;
  resume(): Promise<boolean>;
  /** The history, oldest first. */
  deployments(): HistoryEntry[];
  /** Redeploy the latest generation; throws when there is none. */
  submitLatest(operation?: Operation): Promise<DeploymentRecord | null>;
  confirmations(): ConfirmationStatus[];
  /** Accepts the pending confirmation(s); returns what was accepted. */
  acceptConfirmation(): ConfirmationStatus[];
  /** Subscribe to events; returns the unsubscribe function. */
  subscribe(listener: (event: CominEvent) => void): () => void;
  /** What the agent would do now and why, without doing it. */
  plan(): PlanJson;
  /** `comin rollback`: returns to the deployment before the current one (§14). */
  rollback(options: { quarantine: boolean }): Promise<DeploymentRecord>;
  quarantine(): QuarantineEntry[];
  /** Lifts the quarantine of one commit (or of all with null); returns what was lifted. */
  clearQuarantine(commit: string | null): Promise<QuarantineEntry[]>;
  /** Remote names and URLs, for webhook matching. */
  remotes(): { name: string; url: string }[];
  /** The reboot lock as the service sees it now; null when coordination is not set. */
  rebootLock(): Promise<RebootLockStatus | null>;
  /** Gives a slot back (this machine's when `id` is undefined); throws without coordination. */
  releaseRebootLock(id?: string): Promise<{ id: string; released: boolean; lock: RebootLockStatus }>;
}
