/**
 * Shapes shared by the daemon's stages, its state file, the local API and the CLI client.
 * `StatusJson` is the public `comin status --json` (interfaces.md §4).
 */
import type { OperationName } from "../dsl/schema.js";
import type { Stage, StageRecord, StageStatus } from "./agent/stages.js";

export type { Stage, StageRecord, StageStatus };
export type Operation = OperationName;
export type DeploymentStatus = "running" | "done" | "failed" | "skipped";

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
  lastReboot: RebootRecord | null;
  /** null when `reboot.coordination` is not set. */
  rebootLock: RebootLockStatus | null;
  confirmations: ConfirmationStatus[];
  /** What the loop waits for, in words ("retry 2/3 of the build in 30s", "a reboot window"). */
  pending: string | null;
  retry: { stage: Stage; attempt: number; of: number; at: string } | null;
  fetching: boolean;
  startedAt: string;
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
  | { type: "suspended" | "resumed"; at: string };

export interface FetchOutcome {
  remote: string;
  ok: boolean;
  error: string | null;
  /** Wall time of this remote's fetch. */
  durationMs?: number;
}

/** What the local API and the webhook may ask of the daemon. Implemented by the agent. */
export interface Controller {
  status(): StatusJson;
  /** Fetch now (all remotes when `remotes` is undefined); resolves when that fetch has finished. */
  fetch(remotes?: string[]): Promise<FetchOutcome[]>;
  suspend(): Promise<void>;
  resume(): Promise<void>;
  /** The history, oldest first. */
  deployments(): HistoryEntry[];
  /** Redeploy the latest generation; throws when there is none. */
  submitLatest(operation?: Operation): Promise<DeploymentRecord | null>;
  confirmations(): ConfirmationStatus[];
  /** Accepts the pending confirmation(s); returns what was accepted. */
  acceptConfirmation(): ConfirmationStatus[];
  /** Subscribe to events; returns the unsubscribe function. */
  subscribe(listener: (event: CominEvent) => void): () => void;
  /** Remote names and URLs, for webhook matching. */
  remotes(): { name: string; url: string }[];
  /** The reboot lock as the service sees it now; null when coordination is not set. */
  rebootLock(): Promise<RebootLockStatus | null>;
  /** Gives a slot back (this machine's when `id` is undefined); throws without coordination. */
  releaseRebootLock(id?: string): Promise<{ id: string; released: boolean; lock: RebootLockStatus }>;
}
