/**
 * The stages of a generation as data (behaviour.md §2): one list, one record shape. State, status,
 * metrics and the planner all read stages through this file, so a stage is spelled out once.
 */

/** The stages a generation goes through, in order. */
export const STAGES = ["eval", "build", "deploy"] as const;
export type Stage = (typeof STAGES)[number];

/** Stages that run a cancellable child process (a newer candidate or a suspension stops them). */
export const CANCELLABLE_STAGES: readonly Stage[] = ["eval", "build"];

export const STAGE_STATUSES = ["pending", "running", "done", "failed", "cancelled", "skipped"] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

/** One stage of one generation. */
export interface StageRecord {
  status: StageStatus;
  error: string | null;
  /** Failed attempts of this stage so far (retries, §10). */
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
}

/** What each stage is called in messages ("evaluation failed", "the build proceeds at …"). */
export const STAGE_NOUNS: Record<Stage, string> = { eval: "evaluation", build: "build", deploy: "deployment" };

export function pendingStage(): StageRecord {
  return { status: "pending", error: null, attempts: 0, startedAt: null, endedAt: null };
}

/** The same record, back to pending for another attempt; its failed attempts are kept. */
export function resetStage(record: StageRecord): StageRecord {
  return { ...pendingStage(), attempts: record.attempts };
}

export function startStage(record: StageRecord, at: string): StageRecord {
  return { ...record, status: "running", error: null, startedAt: at, endedAt: null };
}

export function endStage(record: StageRecord, at: string, status: "done" | "skipped", error: string | null = null): StageRecord {
  return { ...record, status, error, endedAt: at };
}

/** A failed attempt counts against the retry budget; a cancellation does not. */
export function failStage(record: StageRecord, at: string, error: string, cancelled = false): StageRecord {
  return { ...record, status: cancelled ? "cancelled" : "failed", error, endedAt: at, attempts: record.attempts + (cancelled ? 0 : 1) };
}

/** Failed attempts of a generation, all stages together: the retry budget is per generation. */
export function attemptsOf(stages: Record<Stage, StageRecord>): number {
  return STAGES.reduce((sum, stage) => sum + stages[stage].attempts, 0);
}

/** The first stage that is not done or skipped, in order; null when every stage has finished well. */
export function firstOpenStage(stages: Record<Stage, StageRecord>): Stage | null {
  return STAGES.find((stage) => stages[stage].status !== "done" && stages[stage].status !== "skipped") ?? null;
}
