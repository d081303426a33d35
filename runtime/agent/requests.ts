/**
 * What arrives from outside the loop: the outcome of a fetch round (recorded, then selection runs
 * over the fetched refs, §3) and `comin deployment submit-latest` (§10, §11).
 */
import { errorMessage } from "../errors.js";
import { latestDeployment } from "../history.js";
import type { Candidate, FetchOutcome, Operation } from "../types.js";
import type { AgentContext } from "./context.js";
import { resetStage } from "./stages.js";

function sameCandidate(a: Candidate | null, b: Candidate | null): boolean {
  if (!a || !b) return a === b;
  return a.commit === b.commit && a.isTesting === b.isTesting && a.remote === b.remote && a.branch === b.branch;
}

/** Records a fetch round and selects over the refs it fetched; the planner reacts afterwards. */
export async function fetchRound(ctx: AgentContext, outcomes: FetchOutcome[]): Promise<void> {
  const { state, config } = ctx;
  for (const outcome of outcomes) {
    state.lastFetch[outcome.remote] = { at: ctx.at(), ok: outcome.ok, error: outcome.error };
    ctx.events.emit({ type: "fetch-finished", at: ctx.at(), remote: outcome.remote, ok: outcome.ok, error: outcome.error, durationMs: outcome.durationMs ?? 0 });
  }
  const fetchOk: Record<string, boolean> = {};
  for (const remote of config.remotes) fetchOk[remote.name] = state.lastFetch[remote.name]?.ok ?? false;
  try {
    const selection = await ctx.ports.source.select({ fetchOk, baseline: state.baseline, previous: state.candidate, previousBranches: state.branches });
    const branchesChanged = JSON.stringify(selection.branches) !== JSON.stringify(state.branches);
    state.branches = { ...state.branches, ...selection.branches };
    const baselineMoved = selection.baseline !== state.baseline;
    if (baselineMoved) {
      ctx.log.info("baseline moved", { from: state.baseline, to: selection.baseline });
      state.baseline = selection.baseline;
    }
    const changed = !sameCandidate(state.candidate, selection.candidate);
    state.candidate = selection.candidate;
    // A poll that changed nothing but fetch times is not worth an fsync; the next save carries it.
    // A moved baseline (what main may fast-forward from, §3) is written before anything goes on;
    // a new candidate or branch head is selected again after a crash, and is written shortly.
    if (baselineMoved) await ctx.save();
    else if (changed || branchesChanged) ctx.saveSoon();
    if (changed && selection.candidate) ctx.events.emit({ type: "candidate-selected", at: ctx.at(), candidate: selection.candidate });
  } catch (error) {
    ctx.log.error("commit selection failed", { error: errorMessage(error) });
  }
}

export type SubmitRequest = { kind: "deploy"; generationId: string; operation: Operation } | { kind: "rebuild" };

/**
 * `submit-latest`: a built generation is deployed again (with `operation`, or its own); one that
 * failed before being built gets a fresh set of attempts from its failed stage. Throws when there
 * is nothing to submit.
 */
export function submitLatest(ctx: AgentContext, operation?: Operation): SubmitRequest {
  const { state } = ctx;
  if (state.suspended) throw new Error("the agent is suspended: run `comin resume` first");
  const latest = latestDeployment(state.deployments);
  const generation = (latest?.generationId ? state.generations.find((g) => g.id === latest.generationId) : undefined) ?? state.generations.at(-1);
  if (!generation) throw new Error("there is no generation to deploy yet");
  if (generation.eval.status === "done" && generation.build.status === "done" && generation.outPath) {
    return { kind: "deploy", generationId: generation.id, operation: operation ?? generation.operation };
  }
  if (generation.build.status === "skipped") throw new Error(generation.build.error ?? "the generation was stopped");
  state.retry = null;
  for (const stage of ["eval", "build"] as const) {
    const record = generation[stage];
    if (record.status === "failed" || record.status === "cancelled") generation[stage] = { ...resetStage(record), attempts: 0 };
    else generation[stage] = { ...record, attempts: 0 };
  }
  generation.deploy = { ...generation.deploy, attempts: 0 };
  return { kind: "rebuild" };
}
