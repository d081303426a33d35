/**
 * Recovery at start-up (behaviour.md §9): a crash can interrupt anything. A generation stage or a
 * deployment recorded as running becomes failed with "interrupted by an agent restart"; it counts
 * as one attempt and is retried at once (an interruption is not the configuration's fault) — unless
 * it was the last attempt of the budget (§10): then the generation is given up, no retry pending.
 * A deployment `verifying` is not interrupted (§14): its system is active, and the planner verifies
 * it again; a rollback recorded as running is finished by the planner too.
 */
import { isDeployment } from "../types.js";
import type { State } from "../state/state.js";
import { attemptsOf, failStage, STAGES, type Stage } from "./stages.js";

export const INTERRUPTED = "interrupted by an agent restart";

/** Changes `state` in place; returns the interrupted stage, if any, to log, and whether it is retried. */
export function recoverInterrupted(state: State, at: string, attemptsBudget: number): { generationId: string; stage: Stage; retried: boolean } | null {
  let interrupted: { generationId: string; stage: Stage } | null = null;
  const verifying = new Set(state.deployments.filter((d) => isDeployment(d) && d.status === "verifying").map((d) => d.id));
  for (const generation of state.generations) {
    for (const stage of STAGES) {
      if (generation[stage].status !== "running") continue;
      if (stage === "deploy" && generation.deploy.deploymentId !== null && verifying.has(generation.deploy.deploymentId)) continue;
      const failed = failStage(generation[stage], at, INTERRUPTED);
      if (stage === "deploy") generation.deploy = { ...generation.deploy, ...failed };
      else generation[stage] = failed;
      interrupted = { generationId: generation.id, stage };
    }
  }
  for (const entry of state.deployments) {
    if (isDeployment(entry) && entry.status === "running") {
      entry.status = "failed";
      entry.error = INTERRUPTED;
      entry.endedAt = at;
    }
  }
  if (!interrupted) return null;
  const generation = state.generations.find((g) => g.id === interrupted?.generationId);
  const attempts = generation ? attemptsOf(generation) : attemptsBudget;
  const retried = generation !== undefined && attempts < attemptsBudget;
  if (generation && retried) state.retry = { generationId: generation.id, stage: interrupted.stage, attempt: attempts, dueAt: at };
  else if (state.retry?.generationId === interrupted.generationId) state.retry = null;
  return { ...interrupted, retried };
}
