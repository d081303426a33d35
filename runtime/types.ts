/**
 * Shapes shared by the daemon's stages, its state file, the local API and the CLI client.
 * `StatusJson` is the public `comin status --json` (interfaces.md §4).
 */
import type { OperationName } from "../dsl/schema.js";

export type Operation = OperationName;
export type StageStatus = "pending" | "running" | "done" | "failed" | "cancelled" | "skipped";
export type DeploymentStatus = "init" | "running" | "done" | "failed" | "skipped";

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
  error: string | null;
  /** Commit message (first 4 KiB), for status and COMIN_GIT_MSG. */
  message?: string;
}

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
  eval: { status: StageStatus; error: string | null; startedAt: string | null; endedAt: string | null };
  build: { status: StageStatus; error: string | null; startedAt: string | null; endedAt: string | null };
  /** Operation this generation is deployed with (from its branch, or a manual submit). */
  operation: Operation;
  /** Progress of its deployment: `skipped` when the same system and operation are already current. */
  deploy: { status: StageStatus; deploymentId: string | null; error: string | null };
  /** Failed attempts so far (retries, §10); a new candidate starts a new generation at 0. */
  attempt: number;
}

export interface DeploymentRecord {
  id: string;
  kind: "deployment" | "reboot";
  generationId: string | null;
  commit: string | null;
  remote: string | null;
  branch: string | null;
  message: string | null;
  operation: Operation | null;
  /** Operation requested before switch inhibitors were applied. */
  operationSubmitted: Operation | null;
  reason: string | null;
  status: DeploymentStatus;
  outPath: string | null;
  profilePath: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  error: string | null;
}

export interface RebootRecord {
  at: string;
  reason: string;
  from: string | null;
  to: string | null;
}

export interface ConfirmationStatus {
  stage: "build" | "deploy";
  mode: "without" | "manual" | "auto";
  generationId: string;
  commit: string;
  submittedAt: string;
  /** For `auto`: when it proceeds by itself. */
  autoAt: string | null;
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
  generation: GenerationRecord | null;
  deployment: DeploymentRecord | null;
  lastReboot: RebootRecord | null;
  confirmations: ConfirmationStatus[];
  /** What the loop waits for, in words ("retry 2/3 of the build in 30s", "a reboot window"). */
  pending: string | null;
  retry: { stage: "eval" | "build" | "deploy"; attempt: number; of: number; at: string } | null;
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
  | { type: "retry-scheduled"; at: string; stage: "eval" | "build" | "deploy"; attempt: number; of: number; due: string }
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

/** What the local API and the webhook may ask of the daemon. Implemented by the manager. */
export interface Controller {
  status(): StatusJson;
  /** Fetch now (all remotes when `remotes` is undefined); resolves when that fetch has finished. */
  fetch(remotes?: string[]): Promise<FetchOutcome[]>;
  suspend(): Promise<void>;
  resume(): Promise<void>;
  deployments(): DeploymentRecord[];
  /** Redeploy the latest generation; throws when there is none. */
  submitLatest(operation?: Operation): Promise<DeploymentRecord | null>;
  confirmations(): ConfirmationStatus[];
  /** Accepts the pending confirmation(s); returns what was accepted. */
  acceptConfirmation(): ConfirmationStatus[];
  /** Subscribe to events; returns the unsubscribe function. */
  subscribe(listener: (event: CominEvent) => void): () => void;
  /** Remote names and URLs, for webhook matching. */
  remotes(): { name: string; url: string }[];
}
