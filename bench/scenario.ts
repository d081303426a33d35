/**
 * What every benchmark scenario is: a named async function that measures some figures (the keys
 * of bench/results.json) and may add details, with a teardown list the runner empties after it.
 */
import type { Cleanup } from "./cleanup.js";
import type { Figure } from "./stats.js";

/** The figures of bench/results.json (issue "Benchmarks"), plus the extra ones we report. */
export const FIGURE_KEYS = [
  "evalsPerDeploy",
  "overheadRatio",
  "overheadMs",
  "pollLatencyMs",
  "webhookLatencyMs",
  "idleRssMb",
  "rssGrowthMb",
  "liveRssGrowthMb",
  "cpuPerPollMs",
  "remotes50MissedPolls",
  "remotes50CpuPercent",
  "bigRepoFirstFetchMs",
  "bigRepoIncrementalFetchMs",
  "bigRepoSelectionMs",
  "corruptStates",
  "staleGitLocks",
  "webhookFloodRssMb",
  "webhookFloodServed",
  "fleetServerCpuPercent",
  "fleetFetchP50Ms",
  "fleetFetchP99Ms",
  "localDeployMs",
  "localPeakRssMb",
  "prebuiltDeployMs",
  "prebuiltPeakRssMb",
  "prebuiltEvalsPerDeploy",
  "healthVerifyOverheadMs",
  "rollbackMs",
  "rebootLockAcquireMs",
  "uncoordinatedIdleRssMb",
  "coordinatedIdleRssMb",
] as const;
export type FigureKey = (typeof FIGURE_KEYS)[number];

export interface ScenarioContext {
  cleanup: Cleanup;
  /** Progress lines for the person waiting (stderr). */
  progress(message: string): void;
}

export interface ScenarioResult {
  figures: Partial<Record<FigureKey, Figure>>;
  /** Anything else worth keeping: raw samples, breakdowns, counts. */
  details: Record<string, unknown>;
}

export interface Scenario {
  name: string;
  /** What it measures, one line (shown while it runs). */
  title: string;
  run(context: ScenarioContext): Promise<ScenarioResult>;
}
