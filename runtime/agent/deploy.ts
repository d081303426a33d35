/**
 * What happens after a build (behaviour.md §7–§9, §14): the deployment is recorded with the system
 * it replaces, the system is activated (switch inhibitors, profile, switch-to-configuration); with
 * `health` set a `switch`/`test` goes on to `verifying` (verify.ts) and a failed activation to a
 * rollback (rollback.ts); otherwise it ends here: the history is trimmed by retention and the
 * post-deployment command runs (`finishDeployment`, shared by all three). Until all of that is
 * over, the agent counts as deploying: nothing else (a reboot of the window timer included) runs.
 */
import { errorMessage } from "../errors.js";
import { ActivationError } from "../deploy/deployer.js";
import { applyRetention } from "../state/retention.js";
import type { DeploymentRecord, GenerationRecord, Operation } from "../types.js";
import type { AgentContext } from "./context.js";
import { newDeployment } from "./records.js";
import { startRollback } from "./rollback.js";
import { endStage, failStage, startStage } from "./stages.js";

export interface DeploymentOutcome {
  deployment: DeploymentRecord;
  /** The agent's systemd unit changed: exit after recording, so that systemd restarts it (§7.7). */
  unitChanged: boolean;
}

/** Operations verified by health checks (a `boot` is verified after the reboot). */
const VERIFIED: ReadonlySet<Operation | null> = new Set(["switch", "test"]);

export async function runDeployment(ctx: AgentContext, generation: GenerationRecord, operation: Operation, reason: string): Promise<DeploymentOutcome> {
  const { state, ports } = ctx;
  const health = ctx.config.health;
  const deployment = newDeployment(generation, operation, reason, ctx.at());
  deployment.previousOutPath = await ports.machine.currentSystem();
  if (health && VERIFIED.has(operation)) deployment.health = { status: "pending", checks: [] };
  state.deployments.push(deployment);
  generation.deploy = { ...startStage(generation.deploy, ctx.at()), deploymentId: deployment.id };
  // Recorded before anything is activated: a crash from here on leaves a deployment to recover.
  await ctx.save();
  ctx.events.emit({ type: "deployment-started", at: ctx.at(), deployment: { ...deployment } });
  const log = ctx.log.child({ generation: generation.id, deployment: deployment.id });
  let unitChanged = false;
  try {
    const booted = await ports.machine.bootedSystem();
    const keep = applyRetention(state.deployments, ctx.config.retention, booted).keepProfileLinks;
    const result = await ports.deployer.activate({ outPath: deployment.outPath ?? "", operation, keepProfileLinks: keep, onLine: (line) => log.info("activation", { line }) });
    unitChanged = result.unitChanged;
    deployment.operation = result.operation;
    deployment.profilePath = result.profilePath;
    if (result.reason) deployment.reason = result.reason;
    if (health && VERIFIED.has(result.operation)) {
      // §14: the new system is active; the planner verifies it next (verify.ts).
      deployment.status = "verifying";
      deployment.health = { status: "running", checks: health.checks.map((check) => ({ name: check.name, ok: null, detail: null })) };
      await ctx.save();
      return { deployment, unitChanged };
    }
    if (deployment.health.status === "pending") deployment.health = { status: "skipped", checks: [] };
    deployment.status = result.operation === null ? "skipped" : "done";
    generation.deploy = { ...endStage(generation.deploy, ctx.at(), "done"), deploymentId: deployment.id };
  } catch (error) {
    // The profile may already point at the new system when activation itself failed.
    if (error instanceof ActivationError) {
      deployment.profilePath = error.result.profilePath;
      unitChanged = error.result.unitChanged;
    }
    deployment.status = "failed";
    deployment.error = errorMessage(error);
    if (deployment.health.status === "pending") deployment.health = { status: "skipped", checks: [] };
    generation.deploy = { ...failStage(generation.deploy, ctx.at(), deployment.error), deploymentId: deployment.id };
    log.error("deployment failed", { error: deployment.error, attempt: generation.deploy.attempts });
    if (health?.onFailure === "rollback" && error instanceof ActivationError) {
      // §14: activation exited non-zero: back to the previous system (the planner runs it next).
      await startRollback(ctx, deployment, { trigger: "activation", to: deployment.previousOutPath, reason: `activation failed: ${deployment.error}`, quarantine: true });
      return { deployment, unitChanged };
    }
  }
  await finishDeployment(ctx, generation, deployment);
  return { deployment, unitChanged };
}

/** The end of a deployment, whatever its outcome: retention, state, `deployment-finished`, post-deployment command. */
export async function finishDeployment(ctx: AgentContext, generation: GenerationRecord | null, deployment: DeploymentRecord): Promise<void> {
  const { state, ports } = ctx;
  deployment.endedAt = ctx.at();
  state.deployments = applyRetention(state.deployments, ctx.config.retention, await ports.machine.bootedSystem()).kept;
  await ctx.save();
  const started = Date.parse(deployment.startedAt ?? deployment.createdAt);
  ctx.events.emit({ type: "deployment-finished", at: ctx.at(), deployment: { ...deployment }, durationMs: Math.max(0, ports.clock.now().getTime() - started) });
  const command = ctx.config.postDeploymentCommand;
  if (command && generation) await ports.deployer.postDeployment(command, postDeploymentEnv(ctx, generation, deployment));
}

const COMIN_STATUS: Partial<Record<DeploymentRecord["status"], string>> = { failed: "failed", "rolled-back": "rolled-back" };
const COMIN_HEALTH: Partial<Record<DeploymentRecord["health"]["status"], string>> = { passed: "passed", failed: "failed" };

/** §7.6 and §14: every documented variable is set, empty when it does not apply. */
export function postDeploymentEnv(ctx: Pick<AgentContext, "config">, generation: GenerationRecord, deployment: DeploymentRecord): Record<string, string> {
  return {
    COMIN_GIT_SHA: generation.commit,
    COMIN_GIT_REF: `${generation.remote}/${generation.branch}`,
    COMIN_GIT_MSG: generation.message.replace(/\n+$/, ""),
    COMIN_HOSTNAME: ctx.config.hostname,
    COMIN_GENERATION: generation.id,
    COMIN_OPERATION: deployment.operation ?? "skip",
    COMIN_STATUS: COMIN_STATUS[deployment.status] ?? "done",
    COMIN_ERROR_MSG: deployment.error ?? "",
    COMIN_FLAKE_URL: generation.flakeUrl ?? "",
    COMIN_HEALTH: COMIN_HEALTH[deployment.health.status] ?? "skipped",
  };
}
