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
import { describeWindowOpening, nextWindowOpening } from "../reboot/windows.js";
import { REBOOT_WINDOW } from "../reboot/policy.js";
import { SUSPENDED, type Action } from "./plan.js";
import { findProblems } from "./problems.js";
import { attemptsOf } from "./stages.js";

export interface StatusFacts {
  /** The planner's answer now: what the loop waits for. */
  next: Action;
  needToReboot: boolean;
  needToRebootReason: string | null;
  confirmations: ConfirmationStatus[];
  fetching: boolean;
  startedAt: Date;
  /** The clock the planner's answer was made with (for the next reboot window). */
  now?: Date;
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
    quarantine: state.quarantine.map((entry) => ({ ...entry })),
    bootVerification: state.bootVerification ? { ...state.bootVerification } : null,
    lastReboot: lastReboot(state),
    rebootLock: facts.rebootLock ?? null,
    confirmations: facts.confirmations,
    pending: state.suspended ? SUSPENDED : describe(facts.next, config, facts.now),
    pendingUntil: facts.next.kind === "wait" && facts.next.until ? facts.next.until.toISOString() : null,
    retry: state.retry ? { stage: state.retry.stage, attempt: state.retry.attempt + 1, of: config.retries.attempts, at: state.retry.dueAt } : null,
    fetching: facts.fetching,
    startedAt: facts.startedAt.toISOString(),
    problems: findProblems(state, config),
    signatureTrust: config.signatures.gpgPublicKeyFiles.length > 0 || config.signatures.sshAllowedSignersFile !== null,
  };
}

function lastReboot(state: State): RebootRecord | null {
  const entry = state.deployments.filter(isReboot).at(-1);
  return entry ? { at: entry.createdAt, reason: entry.reason, from: entry.from, to: entry.to } : null;
}

/** The planner's action in words; null when nothing is pending. */
export function describe(action: Action, config?: Pick<CominConfig, "reboot">, now?: Date): string | null {
  switch (action.kind) {
    case "wait": {
      // Which window, and when it opens, on its own clock (issue 14.6).
      if (action.why === REBOOT_WINDOW && config && action.until) {
        const opening = nextWindowOpening(now ?? action.until, config.reboot.windows);
        if (opening) return `a reboot in the window ${describeWindowOpening(opening)}`;
      }
      return action.why;
    }
    case "idle":
      return action.why;
    case "reboot":
      return "a reboot";
    default:
      return null;
  }
}
