/**
 * The planner's quick actions: they only change records (a new generation, a stage skipped,
 * reset or scheduled for a retry) and never start a process. The agent applies them and asks the
 * planner again at once.
 */
import { trimGenerations } from "../state/state.js";
import type { Operation } from "../types.js";
import type { Action } from "./plan.js";
import type { AgentContext } from "./context.js";
import { newGeneration } from "./records.js";
import { endStage, resetStage } from "./stages.js";

export type QuickAction = Extract<Action, { kind: "new-generation" | "machine-id-mismatch" | "already-deployed" | "schedule-retry" | "retry" | "restart" }>;

export const QUICK_ACTIONS: ReadonlySet<Action["kind"]> = new Set(["new-generation", "machine-id-mismatch", "already-deployed", "schedule-retry", "retry", "restart"]);

export function isQuickAction(action: Action): action is QuickAction {
  return QUICK_ACTIONS.has(action.kind);
}

/** The operation of a candidate's branch (§7.1). */
export function operationFor(ctx: Pick<AgentContext, "config">, candidate: { remote: string; isTesting: boolean }): Operation {
  const remote = ctx.config.remotes.find((r) => r.name === candidate.remote);
  if (!remote) return candidate.isTesting ? "test" : "switch";
  return candidate.isTesting ? remote.branches.testing.operation : remote.branches.main.operation;
}

/** Applies a quick action; `onNewGeneration` forgets what belonged to the older one (confirmations). */
export function applyQuickAction(ctx: AgentContext, action: QuickAction, onNewGeneration: () => void): void {
  const { state, log } = ctx;
  if (action.kind === "new-generation") {
    const created = newGeneration(action.candidate, operationFor(ctx, action.candidate), ctx.at());
    state.generations = trimGenerations([...state.generations, created]);
    state.retry = null;
    onNewGeneration();
    log.info("new generation", { generation: created.id, commit: created.commit, branch: `${created.remote}/${created.branch}`, operation: created.operation });
    // Saved with the start of its evaluation, a moment later.
    return;
  }
  const generation = state.generations.find((g) => g.id === action.generationId);
  if (!generation) return;
  switch (action.kind) {
    case "machine-id-mismatch":
      generation.build = endStage(generation.build, ctx.at(), "skipped", action.message);
      generation.deploy = { ...endStage(generation.deploy, ctx.at(), "skipped", action.message), deploymentId: null };
      log.warn("generation stopped by the machine-id guard", { generation: generation.id, expected: generation.machineId, actual: ctx.ports.machine.machineId });
      void ctx.save();
      return;
    case "already-deployed":
      generation.deploy = { ...endStage(generation.deploy, ctx.at(), "skipped"), deploymentId: action.deploymentId };
      log.info("already deployed: same system and operation", { generation: generation.id, deployment: action.deploymentId });
      void ctx.save();
      return;
    case "schedule-retry": {
      const dueAt = action.dueAt.toISOString();
      state.retry = { generationId: generation.id, stage: action.stage, attempt: action.attempt, dueAt };
      void ctx.save();
      ctx.events.emit({ type: "retry-scheduled", at: ctx.at(), stage: action.stage, attempt: action.attempt + 1, of: ctx.config.retries.attempts, due: dueAt });
      return;
    }
    case "retry":
    case "restart":
      if (action.kind === "retry") {
        state.retry = null;
        log.info("retrying", { generation: generation.id, stage: action.stage, attempt: action.attempt + 1, of: ctx.config.retries.attempts });
      }
      if (action.stage === "deploy") generation.deploy = { ...resetStage(generation.deploy), deploymentId: null };
      else generation[action.stage] = resetStage(generation[action.stage]);
      return;
  }
}
