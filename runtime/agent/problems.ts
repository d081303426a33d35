/**
 * What is wrong now, for `comin status` (summary, `--oneline`, exit code): failed fetches, heads
 * refused by selection (reset, behind, unsigned, missing), the latest generation's failed stage,
 * a failed deployment, a machine-id mismatch. Pure: a projection of state and config, so a
 * refusal can never hide behind a green tick (issue 14.4).
 */
import type { CominConfig } from "../../dsl/schema.js";
import { latestDeployment } from "../history.js";
import type { State } from "../state/state.js";
import type { Problem } from "../types.js";

export function findProblems(state: State, config: Pick<CominConfig, "remotes">): Problem[] {
  return [...remoteProblems(state, config), ...generationProblems(state), ...deploymentProblems(state)];
}

function remoteProblems(state: State, config: Pick<CominConfig, "remotes">): Problem[] {
  const problems: Problem[] = [];
  for (const remote of config.remotes) {
    const fetch = state.lastFetch[remote.name];
    if (fetch && !fetch.ok) problems.push({ kind: "fetch", subject: remote.name, message: `fetch failed: ${fetch.error ?? "unknown error"}`, since: fetch.at });
    const branches = state.branches[remote.name];
    for (const branch of [branches?.main, branches?.testing]) {
      if (branch?.error) problems.push({ kind: "refused", subject: `${remote.name}/${branch.name ?? "?"}`, message: branch.error, since: null });
    }
  }
  return problems;
}

function generationProblems(state: State): Problem[] {
  const generation = state.generations.at(-1);
  if (!generation) return [];
  const subject = `${generation.remote}/${generation.branch} ${generation.commit.slice(0, 7)}`;
  const retry = state.retry?.generationId === generation.id ? `; retry ${state.retry.attempt + 1} at ${state.retry.dueAt}` : "";
  if (generation.eval.status === "failed") return [{ kind: "eval", subject, message: `evaluation failed: ${generation.eval.error ?? "unknown error"}${retry}`, since: generation.eval.endedAt }];
  if (generation.build.status === "failed") return [{ kind: "build", subject, message: `build failed: ${generation.build.error ?? "unknown error"}${retry}`, since: generation.build.endedAt }];
  // A skipped build with a reason is the machine-id guard (§6): this machine never deploys it.
  if (generation.build.status === "skipped" && generation.build.error) return [{ kind: "machine-id", subject, message: generation.build.error, since: generation.build.endedAt }];
  return [];
}

function deploymentProblems(state: State): Problem[] {
  const deployment = latestDeployment(state.deployments);
  if (deployment?.status !== "failed") return [];
  const subject = `${deployment.remote ?? "?"}/${deployment.branch ?? "?"} ${deployment.commit?.slice(0, 7) ?? "-"}`;
  return [{ kind: "deploy", subject, message: `${deployment.operation ?? deployment.operationSubmitted} failed: ${deployment.error ?? "unknown error"}`, since: deployment.endedAt }];
}
