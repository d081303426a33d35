/**
 * Lifting the quarantine (behaviour.md §14, `comin quarantine clear [COMMIT | --all]`): the entries
 * go, and the latest generation, when it was held by them, is deployed again (its deploy stage back
 * to pending) as long as it is the candidate.
 */
import { isDeployment, type QuarantineEntry } from "../types.js";
import type { AgentContext } from "./context.js";
import { resetStage } from "./stages.js";

/** Removes the entries of `commit` (a full id or a unique prefix), or all with null; returns them. */
export function clearQuarantine(ctx: AgentContext, commit: string | null): QuarantineEntry[] {
  const { state } = ctx;
  const cleared = commit === null ? state.quarantine : state.quarantine.filter((entry) => entry.commit.startsWith(commit.toLowerCase()));
  if (commit !== null && cleared.length === 0) throw new Error(`commit ${commit} is not quarantined`);
  if (commit !== null && cleared.length > 1) throw new Error(`${commit} names ${cleared.length} quarantined commits: give more of the commit id`);
  state.quarantine = state.quarantine.filter((entry) => !cleared.includes(entry));
  const latest = state.generations.at(-1);
  if (latest && cleared.some((entry) => entry.commit === latest.commit || (entry.outPath !== null && entry.outPath === latest.outPath))) {
    const deployment = state.deployments.find((d) => isDeployment(d) && d.id === latest.deploy.deploymentId);
    const rolledBack = deployment !== undefined && isDeployment(deployment) && deployment.rollback !== null;
    if (latest.deploy.status === "failed" || latest.deploy.status === "skipped" || rolledBack) {
      latest.deploy = { ...resetStage(latest.deploy), deploymentId: null };
      if (state.retry?.generationId === latest.id) state.retry = null;
    }
  }
  ctx.log.info("quarantine lifted", { commits: cleared.map((entry) => entry.commit) });
  return cleared;
}
