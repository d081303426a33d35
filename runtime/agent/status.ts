/**
 * The status projection (`comin status --json`, interfaces.md §4): state, config and what the
 * agent knows now, in the public shape. Pure: the API and the metrics read it at any time.
 */
import type { CominConfig } from "../../dsl/schema.js";
import { scrubCredentials } from "../git/scrub.js";
import { latestDeployment } from "../history.js";
import type { State } from "../state/state.js";
import { isReboot, type ConfirmationStatus, type RebootLockStatus, type RebootRecord, type StatusJson } from "../types.js";
import { VERSION } from "../version.js";
import { SUSPENDED, type Action } from "./plan.js";
import { attemptsOf } from "./stages.js";

export interface StatusFacts {
  /** The planner's answer now: what the loop waits for. */
  next: Action;
  needToReboot: boolean;
  needToRebootReason: string | null;
  confirmations: ConfirmationStatus[];
  fetching: boolean;
  startedAt: Date;
  /** null when `reboot.coordination` is not set. */
  rebootLock?: RebootLockStatus | null;
}

export function projectStatus(state: State, config: CominConfig, facts: StatusFacts): StatusJson {
  const generation = state.generations.at(-1) ?? null;
  const deployment = latestDeployment(state.deployments);
  return {
    hostname: config.hostname,
    version: VERSION,
    suspended: state.suspended,
    needToReboot: facts.needToReboot,
    needToRebootReason: facts.needToRebootReason,
    baseline: state.baseline,
    remotes: config.remotes.map((remote) => {
      const branches = state.branches[remote.name];
      return {
        name: remote.name,
        url: scrubCredentials(remote.url),
        lastFetch: state.lastFetch[remote.name] ?? null,
        main: branches?.main ?? { name: remote.branches.main.name, commit: null, error: null },
        testing: branches?.testing ?? { name: remote.branches.testing.name, commit: null, error: null },
      };
    }),
    candidate: state.candidate,
    generation: generation ? { ...generation, attempt: attemptsOf(generation) } : null,
    deployment: deployment ? { ...deployment } : null,
    lastReboot: lastReboot(state),
    rebootLock: facts.rebootLock ?? null,
    confirmations: facts.confirmations,
    pending: state.suspended ? SUSPENDED : describe(facts.next),
    retry: state.retry ? { stage: state.retry.stage, attempt: state.retry.attempt + 1, of: config.retries.attempts, at: state.retry.dueAt } : null,
    fetching: facts.fetching,
    startedAt: facts.startedAt.toISOString(),
  };
}

function lastReboot(state: State): RebootRecord | null {
  const entry = state.deployments.filter(isReboot).at(-1);
  return entry ? { at: entry.createdAt, reason: entry.reason, from: entry.from, to: entry.to } : null;
}

/** The planner's action in words; null when nothing is pending. */
export function describe(action: Action): string | null {
  switch (action.kind) {
    case "wait":
      return action.why;
    case "idle":
      return action.why;
    case "reboot":
      return "a reboot";
    default:
      return null;
  }
}
