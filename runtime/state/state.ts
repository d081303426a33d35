/**
 * The shape of the persisted state (`<stateDir>/state.json`, behaviour.md §9), its limits, and the
 * migration of older versions. The store (store.ts) reads and writes it; the agent changes it.
 */
import type { Stage } from "../agent/stages.js";
import type { BootVerification, BranchStatus, Candidate, GenerationRecord, HistoryEntry, QuarantineEntry } from "../types.js";

export const STATE_VERSION = 2;
/** Generations remembered (the current one and a few before it, for status and submit-latest). */
export const MAX_GENERATIONS = 10;
/** Reboot entries kept in the history, beside the deployments that retention keeps. */
export const MAX_REBOOT_ENTRIES = 10;

export interface RetryState {
  generationId: string;
  stage: Stage;
  /** Failed attempts of the generation when the retry was scheduled. */
  attempt: number;
  dueAt: string;
}

export interface RebootAttempt {
  /** `<current>|<booted>`: the reboot command runs at most once per pair while the machine stays up. */
  pair: string;
  at: string;
  ok: boolean;
  error: string | null;
}

/** The fleet reboot slot this machine holds (§16): taken before the reboot, given back after it. */
export interface RebootLockHold {
  backend: "etcd" | "fleetLock";
  group: string;
  /** The id the slot is held under (the machine id). */
  holder: string;
  takenAt: string;
  /** The booted and the current system when the slot was taken: the reboot goes from one to the other. */
  from: string | null;
  to: string | null;
}

export type BranchStatuses = Record<string, { main: BranchStatus; testing: BranchStatus }>;

export interface State {
  schemaVersion: typeof STATE_VERSION;
  /** The last accepted main commit: main only moves forward from it (§3). */
  baseline: string | null;
  candidate: Candidate | null;
  branches: BranchStatuses;
  lastFetch: Record<string, { at: string; ok: boolean; error: string | null }>;
  /** Oldest first; the last one is the current generation. */
  generations: GenerationRecord[];
  /** Deployments and reboots, oldest first, bounded by retention. */
  deployments: HistoryEntry[];
  suspended: boolean;
  retry: RetryState | null;
  rebootAttempt: RebootAttempt | null;
  /** Commits and systems never deployed again until `comin quarantine clear` (§14). */
  quarantine: QuarantineEntry[];
  /** The health verification of the booted system after a reboot (§14); read by the reboot lock (§16). */
  bootVerification: BootVerification | null;
  rebootLock: RebootLockHold | null;
}

export function emptyState(): State {
  return {
    schemaVersion: STATE_VERSION,
    baseline: null,
    candidate: null,
    branches: {},
    lastFetch: {},
    generations: [],
    deployments: [],
    suspended: false,
    retry: null,
    rebootAttempt: null,
    quarantine: [],
    bootVerification: null,
    rebootLock: null,
  };
}

/** Keeps the newest generations only. */
export function trimGenerations(generations: GenerationRecord[]): GenerationRecord[] {
  return generations.length > MAX_GENERATIONS ? generations.slice(-MAX_GENERATIONS) : generations;
}

type Loose = Record<string, unknown>;
const asRecord = (value: unknown): Loose => (value !== null && typeof value === "object" ? (value as Loose) : {});
const text = (value: unknown): string | null => (typeof value === "string" ? value : null);

/**
 * Version 1 kept one attempt counter per generation, a deploy stage without times, reboots as
 * deployment-shaped records and a separate `lastReboot`. Version 2 keeps attempts per stage,
 * reboots as their own history entries, and derives the last reboot from the history.
 */
export function migrateFromV1(v1: Loose): Loose {
  const lastReboot = asRecord(v1["lastReboot"]);
  const generations = (Array.isArray(v1["generations"]) ? v1["generations"] : []).map((value) => {
    const g = asRecord(value);
    const attempt = typeof g["attempt"] === "number" ? g["attempt"] : 0;
    const stage = (name: Stage) => ({ status: "pending", error: null, startedAt: null, endedAt: null, ...asRecord(g[name]), attempts: 0 }) as Loose;
    const stages = { eval: stage("eval"), build: stage("build"), deploy: stage("deploy") };
    // The attempts go to the stage that failed last (there is only one counter to distribute).
    const failed = (["deploy", "build", "eval"] as const).find((name) => stages[name]["status"] === "failed") ?? "eval";
    stages[failed]["attempts"] = attempt;
    const { attempt: _attempt, ...rest } = g;
    return { ...rest, ...stages };
  });
  const deployments = (Array.isArray(v1["deployments"]) ? v1["deployments"] : []).map((value) => {
    const d = asRecord(value);
    if (d["kind"] === "reboot") {
      const at = text(d["createdAt"]) ?? new Date(0).toISOString();
      const same = text(lastReboot["at"]) === at;
      return { kind: "reboot", id: text(d["id"]) ?? at, createdAt: at, reason: text(d["reason"]) ?? "", from: same ? text(lastReboot["from"]) : null, to: text(d["outPath"]) };
    }
    const status = d["status"] === "init" ? "failed" : d["status"];
    return { ...d, status, operationSubmitted: d["operationSubmitted"] ?? d["operation"] ?? "switch" };
  });
  // Version 1 had a candidate error that was never set.
  const { error: _error, ...candidate } = asRecord(v1["candidate"]);
  const { lastReboot: _lastReboot, ...rest } = v1;
  return { ...rest, schemaVersion: STATE_VERSION, candidate: v1["candidate"] === null ? null : candidate, generations, deployments };
}
