/**
 * What happens after a build (behaviour.md §7–§9): the deployment is recorded, the system is
 * activated (switch inhibitors, profile, switch-to-configuration), the history is trimmed by
 * retention, the post-deployment command runs, then the caller checks reboots and whether the
 * agent's own unit changed. Until all of that is over, the agent counts as deploying: nothing else
 * (a reboot of the window timer included) runs meanwhile.
 */
import { errorMessage } from "../errors.js";
import { ActivationError } from "../deploy/deployer.js";
import { applyRetention } from "../state/retention.js";
import type { DeploymentRecord, GenerationRecord, Operation } from "../types.js";
import type { AgentContext } from "./context.js";
import { newDeployment } from "./records.js";
import { endStage, failStage, startStage } from "./stages.js";

export interface DeploymentOutcome {
  deployment: DeploymentRecord;
  /** The agent's systemd unit changed: exit after recording, so that systemd restarts it (§7.7). */
  unitChanged: boolean;
}

export async function runDeployment(ctx: AgentContext, generation: GenerationRecord, operation: Operation, reason: string): Promise<DeploymentOutcome> {
  const { state, ports } = ctx;
  const deployment = newDeployment(generation, operation, reason, ctx.at());
  state.deployments.push(deployment);
  generation.deploy = { ...startStage(generation.deploy, ctx.at()), deploymentId: deployment.id };
  // Recorded before anything is activated: a crash from here on leaves a deployment to recover.
  await ctx.save();
  ctx.events.emit({ type: "deployment-started", at: ctx.at(), deployment: { ...deployment } });
  const started = ports.clock.now();
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
    generation.deploy = { ...failStage(generation.deploy, ctx.at(), deployment.error), deploymentId: deployment.id };
    log.error("deployment failed", { error: deployment.error, attempt: generation.deploy.attempts });
  }
  deployment.endedAt = ctx.at();
  state.deployments = applyRetention(state.deployments, ctx.config.retention, await ports.machine.bootedSystem()).kept;
  await ctx.save();
  ctx.events.emit({ type: "deployment-finished", at: ctx.at(), deployment: { ...deployment }, durationMs: ports.clock.now().getTime() - started.getTime() });
  await runPostDeployment(ctx, generation, deployment);
  return { deployment, unitChanged };
}

/** §7.6: every documented variable is set, empty when it does not apply. */
export function postDeploymentEnv(ctx: Pick<AgentContext, "config">, generation: GenerationRecord, deployment: DeploymentRecord): Record<string, string> {
  return {
    COMIN_GIT_SHA: generation.commit,
    COMIN_GIT_REF: `${generation.remote}/${generation.branch}`,
    COMIN_GIT_MSG: generation.message.replace(/\n+$/, ""),
    COMIN_HOSTNAME: ctx.config.hostname,
    COMIN_GENERATION: generation.id,
    COMIN_OPERATION: deployment.operation ?? "skip",
    COMIN_STATUS: deployment.status === "failed" ? "failed" : "done",
    COMIN_ERROR_MSG: deployment.error ?? "",
    COMIN_FLAKE_URL: generation.flakeUrl ?? "",
  };
}

async function runPostDeployment(ctx: AgentContext, generation: GenerationRecord, deployment: DeploymentRecord): Promise<void> {
  const command = ctx.config.postDeploymentCommand;
  if (!command) return;
  await ctx.ports.deployer.postDeployment(command, postDeploymentEnv(ctx, generation, deployment));
}
