/**
 * `comin status --oneline`: one line for status bars. A green tick only when nothing is wrong:
 * refusals and failed fetches turn it into a warning and are named (issue 14.4).
 */
import type { StatusJson } from "../types.js";
import { formatRelative, shortSha } from "./format-time.js";

/** One line for status bars: `✓ origin/main 1a2b3c4 (3 minutes ago)`. */
export function formatOneline(status: StatusJson, now: Date): string {
  const parts: string[] = [];
  if (status.confirmations.length > 0) parts.push("❔");
  if (status.suspended) parts.push("⏸");
  const generation = status.generation;
  const deployment = status.deployment;
  const ref = (record: { remote: string | null; branch: string | null; commit: string | null }) =>
    `${record.remote ?? "?"}/${record.branch ?? "?"} ${shortSha(record.commit)}`;
  const ago = (at: string | null) => (at ? ` (${formatRelative(at, now)})` : "");
  const deploymentIsLatest = !generation || (deployment !== null && deployment.generationId === generation.id);

  if (deployment?.status === "running") {
    parts.push(`⟳ deploying ${ref(deployment)}${ago(deployment.startedAt)}`);
  } else if (deployment?.status === "verifying" || deployment?.rollback?.status === "running") {
    parts.push(`⟳ ${deployment.status === "verifying" ? "verifying" : "rolling back"} ${ref(deployment)}${ago(deployment.startedAt)}`);
  } else if (deployment?.status === "rolled-back") {
    parts.push(`↶ ${ref(deployment)} rolled back${ago(deployment.endedAt)}`);
  } else if (generation && !deploymentIsLatest && generation.eval.status === "running") {
    parts.push(`⟳ evaluating ${ref(generation)}${ago(generation.eval.startedAt)}`);
  } else if (generation && !deploymentIsLatest && generation.build.status === "running") {
    parts.push(`⟳ building ${ref(generation)}${ago(generation.build.startedAt)}`);
  } else if (generation && !deploymentIsLatest && generation.eval.status === "failed") {
    parts.push(`✗ ${ref(generation)} evaluation failed${ago(generation.eval.endedAt)}`);
  } else if (generation && !deploymentIsLatest && generation.build.status === "failed") {
    parts.push(`✗ ${ref(generation)} build failed${ago(generation.build.endedAt)}`);
  } else if (deployment?.status === "failed") {
    parts.push(`✗ ${ref(deployment)} deployment failed${ago(deployment.endedAt)}`);
  } else if (deployment) {
    parts.push(`✓ ${ref(deployment)}${ago(deployment.endedAt ?? deployment.createdAt)}`);
  } else {
    parts.push("· no deployment yet");
  }

  // Stage failures are the main part above; the rest is named here, and no tick stays green.
  const problems = status.problems ?? [];
  const failedFetches = problems.filter((problem) => problem.kind === "fetch").map((problem) => problem.subject);
  const refused = problems.filter((problem) => problem.kind === "refused").map((problem) => problem.subject);
  const guarded = problems.filter((problem) => problem.kind === "machine-id").map((problem) => problem.subject);
  if (problems.length > 0) {
    const tick = parts.findIndex((part) => part.startsWith("✓ "));
    if (tick >= 0) parts[tick] = `⚠${parts[tick]!.slice(1)}`;
  }
  if (refused.length > 0) parts.push(`⚠ refused: ${refused.join(", ")}`);
  if (failedFetches.length > 0) parts.push(`⚠ fetch failed: ${failedFetches.join(", ")}`);
  if (guarded.length > 0) parts.push(`⚠ machine-id mismatch: ${guarded.join(", ")}`);
  if (status.needToReboot) parts.push("⏻ reboot needed");
  return `${parts.join(" ")}\n`;
}
