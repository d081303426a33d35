/**
 * The evaluation and build stages of a generation (behaviour.md §5): one evaluation through the
 * builder (drvPath, outPath, machineId), then the build (a GC root keeps it alive). Both are
 * cancellable: a newer candidate cancels them, a suspension puts a build back to pending.
 */
import { errorMessage, StageError } from "../errors.js";
import type { GenerationRecord } from "../types.js";
import type { AgentContext } from "./context.js";
import { endStage, failStage, resetStage, startStage, STAGE_NOUNS } from "./stages.js";

/** Why the agent aborted a stage (the AbortSignal's reason). */
export type CancelReason = "preempted" | "suspended" | "stopping";

export async function runEvaluation(ctx: AgentContext, generation: GenerationRecord, signal: AbortSignal): Promise<void> {
  const started = ctx.ports.clock.now();
  generation.eval = startStage(generation.eval, ctx.at());
  // Written while nix runs: a crash before the write only means the stage was still pending.
  ctx.saveSoon();
  ctx.events.emit({ type: "eval-started", at: ctx.at(), generation: generation.id, commit: generation.commit });
  const log = ctx.log.child({ generation: generation.id });
  try {
    const resolution = await ctx.ports.builder.resolve(generation, { signal, onLine: (line) => log.info("nix", { stage: "eval", line }) });
    const source = resolution.source ?? "local";
    Object.assign(generation, { drvPath: resolution.drvPath, outPath: resolution.outPath, machineId: resolution.machineId, flakeUrl: resolution.flakeUrl, source });
    generation.prebuiltMiss = resolution.prebuiltMiss ? { reason: resolution.prebuiltMiss, waitingSince: null } : null;
    // §15: a published system is not evaluated here; the stage says why it was skipped.
    generation.eval = source === "prebuilt" ? endStage(generation.eval, ctx.at(), "skipped", "prebuilt") : endStage(generation.eval, ctx.at(), "done");
  } catch (error) {
    if (error instanceof StageError && error.kind === "waiting") waitForPublication(ctx, generation, error.message, started);
    else fail(ctx, generation, "eval", error, signal);
  }
  // Not awaited: lost in a crash, the evaluation is retried (§9); a deployment awaits its own save.
  ctx.saveSoon();
  const { status, error } = generation.eval;
  ctx.events.emit({ type: "eval-finished", at: ctx.at(), generation: generation.id, commit: generation.commit, status, error, durationMs: ctx.ports.clock.now().getTime() - started.getTime() });
}

export async function runBuild(ctx: AgentContext, generation: GenerationRecord, signal: AbortSignal): Promise<void> {
  const started = ctx.ports.clock.now();
  generation.build = startStage(generation.build, ctx.at());
  ctx.saveSoon();
  ctx.events.emit({ type: "build-started", at: ctx.at(), generation: generation.id, commit: generation.commit });
  const log = ctx.log.child({ generation: generation.id });
  try {
    // One nix process: realising builds nothing when the output is already valid (the skip of §5,
    // after the machine-id guard) and registers the GC root either way.
    await ctx.ports.builder.realise(generation, { signal, onLine: (line) => log.info("nix", { stage: "build", line }) });
    generation.build = endStage(generation.build, ctx.at(), "done");
  } catch (error) {
    fail(ctx, generation, "build", error, signal);
  }
  ctx.saveSoon();
  const { status, error } = generation.build;
  ctx.events.emit({ type: "build-finished", at: ctx.at(), generation: generation.id, commit: generation.commit, status, error, durationMs: ctx.ports.clock.now().getTime() - started.getTime() });
  await ctx.ports.builder.forget(ctx.state.generations.map((g) => g.id)).catch((pruneError: unknown) => {
    ctx.log.warn("cannot remove old GC roots", { error: errorMessage(pruneError) });
  });
}

/**
 * §15 `missing: "wait"`: no usable manifest yet. The stage goes back to pending with the reason;
 * the planner looks again after the next fetch of the generation's remote. Not a failed attempt.
 */
function waitForPublication(ctx: AgentContext, generation: GenerationRecord, reason: string, lookedAt: Date): void {
  const repeated = generation.prebuiltMiss?.reason === reason;
  generation.eval = { ...resetStage(generation.eval), error: reason };
  generation.prebuiltMiss = { reason, waitingSince: lookedAt.toISOString() };
  if (repeated) ctx.log.debug("still no prebuilt system", { generation: generation.id, reason });
  else ctx.log.info("no prebuilt system yet: waiting for one", { generation: generation.id, commit: generation.commit, reason });
}

function fail(ctx: AgentContext, generation: GenerationRecord, stage: "eval" | "build", error: unknown, signal: AbortSignal): void {
  const cancelled = error instanceof StageError && error.kind === "cancelled";
  const reason = signal.reason as CancelReason | undefined;
  if (cancelled && (reason === "suspended" || reason === "stopping")) {
    // Suspension (or the agent stopping) stops a running stage; it starts again on resume (or at
    // the next start), and that is not a failed attempt.
    generation[stage] = resetStage(generation[stage]);
    ctx.log.info(`${STAGE_NOUNS[stage]} stopped`, { generation: generation.id, because: reason });
    return;
  }
  generation[stage] = failStage(generation[stage], ctx.at(), cancelled ? "cancelled by a newer candidate" : errorMessage(error), cancelled);
  if (cancelled) {
    ctx.log.info(`${STAGE_NOUNS[stage]} cancelled by a newer candidate`, { generation: generation.id });
    return;
  }
  ctx.log.error(`${STAGE_NOUNS[stage]} failed`, { generation: generation.id, commit: generation.commit, error: generation[stage].error, attempt: generation[stage].attempts });
}
