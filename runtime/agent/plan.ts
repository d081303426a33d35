/**
 * The planner: one pure function from (state, config, now, facts) to the next action of the agent
 * (behaviour.md §2–§11). The agent runs that action through its ports, records the result and asks
 * again; `comin status` and `comin plan` show the same answer in words.
 */
import type { CominConfig } from "../../dsl/schema.js";
import { gateRebootOnLock, type RebootLockBlock } from "../reboot/coordination.js";
import { decideReboot, type RebootFacts } from "../reboot/policy.js";
import { retryDelaySeconds } from "./retry.js";
import type { State } from "../state/state.js";
import { currentDeployment } from "../history.js";
import type { Candidate, ConfirmationStage, ConfirmationStatus, GenerationRecord, Operation } from "../types.js";
import { attemptsOf, CANCELLABLE_STAGES, type Stage } from "./stages.js";
import { healthFailure, planHealth, quarantined, type HealthAction } from "./plan-health.js";

export type Action =
  | { kind: "cancel"; generationId: string; stage: Stage; reason: "preempted" | "suspended" }
  | { kind: "new-generation"; candidate: Candidate }
  | { kind: "evaluate"; generationId: string }
  | { kind: "machine-id-mismatch"; generationId: string; message: string }
  | { kind: "ask-confirmation"; generationId: string; stage: ConfirmationStage }
  | { kind: "build"; generationId: string }
  | { kind: "already-deployed"; generationId: string; deploymentId: string }
  | { kind: "deploy"; generationId: string; operation: Operation; reason: string; manual: boolean }
  | { kind: "schedule-retry"; generationId: string; stage: Stage; attempt: number; dueAt: Date }
  | { kind: "retry"; generationId: string; stage: Stage; attempt: number }
  | { kind: "restart"; generationId: string; stage: Stage }
  | { kind: "reboot"; reason: string; pair: string }
  | HealthAction
  | { kind: "wait"; why: string; until: Date | null }
  | { kind: "idle"; why: string | null };

/** What the agent is doing right now: one action at a time. */
export interface Running {
  kind: "evaluate" | "build" | "deploy" | "reboot" | "verify" | "rollback";
  generationId: string | null;
}

export interface PlanFacts {
  running: Running | null;
  hostMachineId: string | null;
  /** Keys `<stage>:<generationId>` of accepted confirmations, and those waiting. */
  confirmations: { accepted: ReadonlySet<string>; pending: readonly ConfirmationStatus[] };
  /** `comin deployment submit-latest`, waiting for its turn. */
  manualDeploy: { generationId: string; operation: Operation } | null;
  reboot: RebootFacts;
  /** §16: the last take of a reboot slot was refused or failed; the reboot waits until `until`. */
  rebootLockBlock?: RebootLockBlock | null;
}

export interface PlanInput {
  state: State;
  config: Pick<CominConfig, "retries" | "confirm" | "reboot">;
  now: Date;
  facts: PlanFacts;
}

const RUNNING_WORDS: Record<Running["kind"], string> = {
  evaluate: "eval running",
  build: "build running",
  deploy: "deploy running",
  reboot: "reboot running",
  verify: "verifying the deployment's health",
  rollback: "rolling back",
};

export const SUSPENDED = "suspended: builds and deployments wait for `comin resume`";

/** Whether a generation was made for this candidate (same commit, branch and testing flag). */
export function targets(generation: GenerationRecord, candidate: Candidate): boolean {
  return generation.commit === candidate.commit && generation.isTesting === candidate.isTesting && generation.remote === candidate.remote && generation.branch === candidate.branch;
}

export function machineIdMismatch(expected: string, actual: string | null): string {
  return `machineId ${expected} does not match this machine (${actual ?? "unknown"})`;
}

export function plan(input: PlanInput): Action {
  const { state, facts } = input;
  if (facts.running) return whileRunning(input, facts.running);
  // §14: a rollback or a verification in flight comes before anything new.
  const health = planHealth(state);
  if (health) return health;
  const manual = facts.manualDeploy;
  if (manual) return { kind: "deploy", generationId: manual.generationId, operation: manual.operation, reason: `the latest generation ${manual.generationId} was resubmitted`, manual: true };
  const policy = decideReboot({ reboot: input.config.reboot, facts: facts.reboot, lastAttempt: state.rebootAttempt, suspended: state.suspended, now: input.now });
  const reboot = gateRebootOnLock(policy, facts.rebootLockBlock ?? null, input.now);
  if (reboot.kind === "reboot") return reboot;
  const next = pipeline(input);
  if (reboot.kind === "wait" && next.kind === "idle") return reboot;
  return next;
}

function whileRunning(input: PlanInput, running: Running): Action {
  const { state } = input;
  const generation = state.generations.find((g) => g.id === running.generationId);
  const stage: Stage | null = running.kind === "evaluate" ? "eval" : running.kind === "build" ? "build" : null;
  if (generation && stage && CANCELLABLE_STAGES.includes(stage)) {
    // §2: a newer candidate preempts a running evaluation or build; §11: suspend stops a build.
    if (state.candidate && !targets(generation, state.candidate)) return { kind: "cancel", generationId: generation.id, stage, reason: "preempted" };
    if (stage === "build" && state.suspended) return { kind: "cancel", generationId: generation.id, stage, reason: "suspended" };
    if (generation[stage].status !== "running") {
      // The stage has ended and is being recorded: say what comes next rather than "running".
      const next = pipeline(input);
      if (next.kind === "wait" || next.kind === "idle") return { kind: "wait", why: next.why ?? RUNNING_WORDS[running.kind], until: null };
    }
  }
  return { kind: "wait", why: RUNNING_WORDS[running.kind], until: null };
}

/** The current generation's next step: evaluate → machine-id guard → build → deploy (§2). */
function pipeline(input: PlanInput): Action {
  const { state, facts } = input;
  const candidate = state.candidate;
  if (!candidate) return { kind: "idle", why: null };
  const generation = state.generations.at(-1);
  if (!generation || !targets(generation, candidate)) return { kind: "new-generation", candidate };
  const id = generation.id;

  switch (generation.eval.status) {
    case "pending":
      return waitingForPublication(state, generation) ?? { kind: "evaluate", generationId: id };
    case "running":
      return { kind: "wait", why: RUNNING_WORDS.evaluate, until: null };
    case "cancelled":
      // Cancelled by a newer candidate that is no longer selected (e.g. reverted): start over.
      return { kind: "restart", generationId: id, stage: "eval" };
    case "failed":
      return retry(input, generation, "eval");
    default:
      break;
  }

  // §6: the machine-id guard runs before any build (and before the shortcut of a valid output).
  if (generation.machineId !== null && generation.machineId !== facts.hostMachineId) {
    const message = machineIdMismatch(generation.machineId, facts.hostMachineId);
    return generation.build.status === "pending" ? { kind: "machine-id-mismatch", generationId: id, message } : { kind: "idle", why: message };
  }

  // §14: the quarantine holds a commit before its build, and a system once evaluated.
  const held = quarantined(state, generation);
  if (held && (generation.build.status === "pending" || generation.deploy.status === "pending" || generation.deploy.status === "failed")) return { kind: "idle", why: held };

  switch (generation.build.status) {
    case "pending":
      return gate(input, generation, "build") ?? { kind: "build", generationId: id };
    case "running":
      return { kind: "wait", why: RUNNING_WORDS.build, until: null };
    case "cancelled":
      return { kind: "restart", generationId: id, stage: "build" };
    case "failed":
      return retry(input, generation, "build");
    case "skipped":
      return { kind: "idle", why: generation.build.error };
    default:
      break;
  }

  switch (generation.deploy.status) {
    case "pending": {
      if (state.suspended) return { kind: "wait", why: SUSPENDED, until: null };
      // §7.2: compared with the current deployment (the latest done), outPath AND operation.
      const current = currentDeployment(state.deployments);
      if (current && current.outPath === generation.outPath && current.operation === generation.operation) {
        return { kind: "already-deployed", generationId: id, deploymentId: current.id };
      }
      return gate(input, generation, "deploy") ?? { kind: "deploy", generationId: id, operation: generation.operation, reason: deploymentReason(generation), manual: false };
    }
    case "failed": {
      const unhealthy = healthFailure(state, generation);
      return unhealthy ? { kind: "idle", why: unhealthy } : retry(input, generation, "deploy");
    }
    default:
      return { kind: "idle", why: null };
  }
}

/** What changed, in words: "new commit 1a2b3c4 on origin/main" (issue 14.6). */
export function deploymentReason(generation: GenerationRecord): string {
  return `new commit ${generation.commit.slice(0, 7)} on ${generation.remote}/${generation.branch}${generation.isTesting ? " (testing)" : ""}`;
}

/**
 * §15: a generation waiting for its prebuilt system looks for the manifest again only after its
 * remote was fetched since the last look.
 */
function waitingForPublication(state: State, generation: GenerationRecord): Action | null {
  const since = generation.prebuiltMiss?.waitingSince;
  if (!since) return null;
  const fetchedAt = state.lastFetch[generation.remote]?.at;
  if (fetchedAt !== undefined && Date.parse(fetchedAt) > Date.parse(since)) return null;
  return { kind: "wait", why: generation.prebuiltMiss?.reason ?? "waiting for a prebuilt system", until: null };
}

/** Suspension and confirmations (§11) hold builds and deployments. */
function gate(input: PlanInput, generation: GenerationRecord, stage: ConfirmationStage): Action | null {
  const { state, facts } = input;
  if (state.suspended) return { kind: "wait", why: SUSPENDED, until: null };
  if (input.config.confirm[stage].mode === "without" || facts.confirmations.accepted.has(`${stage}:${generation.id}`)) return null;
  const pending = facts.confirmations.pending.find((c) => c.stage === stage && c.generationId === generation.id);
  if (!pending) return { kind: "ask-confirmation", generationId: generation.id, stage };
  return pending.autoAt
    ? { kind: "wait", why: `the ${stage} proceeds at ${pending.autoAt} unless confirmed earlier`, until: null }
    : { kind: "wait", why: `the ${stage} waits for \`comin confirmation accept\``, until: null };
}

/** §10: a failed stage is retried with exponential backoff until the generation's attempts run out. */
function retry(input: PlanInput, generation: GenerationRecord, stage: Stage): Action {
  const { attempts: budget, backoff, maxBackoff } = input.config.retries;
  const attempts = attemptsOf(generation);
  if (attempts >= budget) return { kind: "idle", why: `gave up after ${attempts} attempts: waiting for a new commit or \`comin deployment submit-latest\`` };
  const scheduled = input.state.retry;
  if (!scheduled || scheduled.generationId !== generation.id || scheduled.stage !== stage || scheduled.attempt !== attempts) {
    const dueAt = new Date(input.now.getTime() + retryDelaySeconds(attempts, backoff, maxBackoff) * 1000);
    return { kind: "schedule-retry", generationId: generation.id, stage, attempt: attempts, dueAt };
  }
  const dueAt = new Date(scheduled.dueAt);
  if (dueAt > input.now) return { kind: "wait", why: `retry of the ${stage} at ${scheduled.dueAt}`, until: dueAt };
  return { kind: "retry", generationId: generation.id, stage, attempt: attempts };
}
