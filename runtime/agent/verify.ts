/**
 * Health verification from the agent's side (behaviour.md §14): after a `switch`/`test`
 * activation (the deployment is `verifying`), and at start-up after a reboot into a newly
 * installed system (`state.bootVerification`). The checks run through the HealthChecker port; each
 * round's results go to the deployment's `health` (the live status). Healthy → `done`; unhealthy →
 * a rollback is recorded (rollback.ts) or, with `onFailure: "report"`, the deployment fails.
 */
import type { HealthCheckResult, DeploymentRecord, GenerationRecord } from "../types.js";
import { isDeployment } from "../types.js";
import { currentDeployment } from "../history.js";
import type { AgentContext } from "./context.js";
import { finishDeployment, postDeploymentEnv } from "./deploy.js";
import { needsBootVerification } from "./plan-health.js";
import { startRollback } from "./rollback.js";
import { endStage, failStage } from "./stages.js";

function find(ctx: AgentContext, deploymentId: string): { deployment: DeploymentRecord; generation: GenerationRecord | null } | null {
  const deployment = ctx.state.deployments.find((d): d is DeploymentRecord => isDeployment(d) && d.id === deploymentId);
  if (!deployment) return null;
  return { deployment, generation: ctx.state.generations.find((g) => g.id === deployment.generationId) ?? null };
}

/** What failed, in one line: "health check web failed: HTTP 500, expected 200". */
export function failureReason(checks: readonly HealthCheckResult[]): string {
  const failed = checks.filter((check) => check.ok !== true);
  return failed.map((check) => `health check ${check.name} failed: ${check.detail ?? "no result"}`).join("; ") || "health checks failed";
}

/** Runs the checks, keeping the deployment's `health` live; null when the agent stopped meanwhile. */
async function check(ctx: AgentContext, deployment: DeploymentRecord, generation: GenerationRecord | null, signal: AbortSignal): Promise<{ ok: boolean; checks: HealthCheckResult[] } | null> {
  const health = ctx.config.health;
  if (!health) return { ok: true, checks: [] };
  deployment.health = { status: "running", checks: health.checks.map((c) => ({ name: c.name, ok: null, detail: null })) };
  const env = generation ? postDeploymentEnv(ctx, generation, deployment) : {};
  const failing = new Set<string>();
  const outcome = await ctx.ports.health.verify(health, {
    env,
    signal,
    onRound: (checks) => {
      deployment.health = { status: "running", checks };
      for (const result of checks) {
        if (result.ok === false && !failing.has(result.name)) ctx.events.emit({ type: "health-check-failed", at: ctx.at(), deployment: deployment.id, check: result.name, detail: result.detail });
        if (result.ok === false) failing.add(result.name);
        else failing.delete(result.name);
      }
    },
  });
  if (outcome.cancelled) return null;
  deployment.health = { status: outcome.ok ? "passed" : "failed", checks: outcome.checks };
  return outcome;
}

/** After a `switch`/`test` activation: the deployment ends `done`, `failed`, or goes to a rollback. */
export async function runVerification(ctx: AgentContext, deploymentId: string, signal: AbortSignal): Promise<DeploymentRecord | null> {
  const found = find(ctx, deploymentId);
  if (!found || found.deployment.status !== "verifying") return null;
  const { deployment, generation } = found;
  const outcome = await check(ctx, deployment, generation, signal);
  // Stopped with the agent: still `verifying`; the next start verifies again with a fresh timeout.
  if (!outcome) return null;
  if (outcome.ok) {
    deployment.status = "done";
    if (generation) generation.deploy = { ...endStage(generation.deploy, ctx.at(), "done"), deploymentId: deployment.id };
    await finishDeployment(ctx, generation, deployment);
    return deployment;
  }
  const reason = failureReason(outcome.checks);
  if (ctx.config.health?.onFailure === "rollback") {
    await startRollback(ctx, deployment, { trigger: "health", to: deployment.previousOutPath, reason, quarantine: true });
    return deployment;
  }
  deployment.status = "failed";
  deployment.error = reason;
  if (generation) generation.deploy = { ...failStage(generation.deploy, ctx.at(), reason), deploymentId: deployment.id };
  await finishDeployment(ctx, generation, deployment);
  return deployment;
}

/** At start-up: the booted system is a newly installed one not verified since this boot. */
export function markBootVerification(ctx: AgentContext, booted: string | null): boolean {
  if (!ctx.config.health || !booted) return false;
  if (!needsBootVerification(ctx.state, currentDeployment(ctx.state.deployments), booted)) return false;
  ctx.state.bootVerification = { outPath: booted, status: "running", startedAt: ctx.at(), finishedAt: null };
  ctx.log.info("verifying the health of the booted system (a reboot into a newly installed system)", { system: booted });
  return true;
}

/** The checks after a reboot: passed, or a rollback to the previous boot system (§14). */
export async function runBootVerification(ctx: AgentContext, deploymentId: string, signal: AbortSignal): Promise<void> {
  const found = find(ctx, deploymentId);
  const boot = ctx.state.bootVerification;
  if (!found || boot?.status !== "running") return;
  const { deployment, generation } = found;
  boot.startedAt = ctx.at();
  const outcome = await check(ctx, deployment, generation, signal);
  if (!outcome) return;
  boot.status = outcome.ok ? "passed" : "failed";
  boot.finishedAt = ctx.at();
  if (outcome.ok) {
    ctx.log.info("the booted system is healthy", { system: boot.outPath });
    await ctx.save();
    return;
  }
  const reason = `after a reboot: ${failureReason(outcome.checks)}`;
  if (ctx.config.health?.onFailure === "rollback") {
    await startRollback(ctx, deployment, { trigger: "boot", to: deployment.previousOutPath, reason, quarantine: true });
    return;
  }
  deployment.status = "failed";
  deployment.error = reason;
  await ctx.save();
}
