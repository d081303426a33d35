/**
 * Rollbacks (behaviour.md §14): `startRollback` records the decision (the deployment's `rollback`,
 * the quarantine) in one write; the planner then asks for the `rollback` action, which
 * `runRollback` carries out through the Deployer port: back to the previous system, and after a
 * bad boot, the reboot at once (recorded first, once per bad system). A rollback that fails is
 * recorded and never tried again; a restart in the middle runs it again (every step idempotent).
 */
import { errorMessage } from "../errors.js";
import { currentDeployment } from "../history.js";
import { isDeployment, type DeploymentRecord, type Operation, type RollbackTrigger } from "../types.js";
import type { AgentContext } from "./context.js";
import { finishDeployment } from "./deploy.js";
import { newRebootEntry } from "./records.js";
import { failStage } from "./stages.js";

export interface RollbackDecision {
  trigger: RollbackTrigger;
  to: string | null;
  /** Why: the quarantine's reason. */
  reason: string;
  quarantine: boolean;
}

/** The reboot pair of a rollback reboot: it runs once per bad system. */
export const rollbackRebootPair = (bad: string | null) => `rollback|${bad ?? "?"}`;

/** Records a rollback to run (and the quarantine) before anything is done. */
export async function startRollback(ctx: AgentContext, deployment: DeploymentRecord, decision: RollbackDecision): Promise<void> {
  const { state } = ctx;
  const at = ctx.at();
  const to = decision.to;
  deployment.rollback = to
    ? { trigger: decision.trigger, to, status: "running", error: null }
    : { trigger: decision.trigger, to: null, status: "failed", error: "the system before this deployment is unknown: nothing to return to" };
  if (deployment.status !== "done") deployment.status = "failed";
  if (!deployment.error && decision.trigger !== "manual") deployment.error = decision.reason;
  const generation = state.generations.find((g) => g.id === deployment.generationId);
  if (generation?.deploy.status === "running") generation.deploy = { ...failStage(generation.deploy, at, decision.reason), deploymentId: deployment.id };
  if (decision.quarantine && deployment.commit) {
    state.quarantine = state.quarantine.filter((entry) => entry.commit !== deployment.commit);
    const entry = { commit: deployment.commit, outPath: deployment.outPath, reason: decision.reason, at };
    state.quarantine.push(entry);
    ctx.events.emit({ type: "quarantined", at, entry });
  }
  ctx.log.warn("rolling back", { deployment: deployment.id, trigger: decision.trigger, to, reason: decision.reason });
  await ctx.save();
  if (!to) {
    ctx.events.emit({ type: "rollback-failed", at, deployment: { ...deployment }, rollback: { ...deployment.rollback } });
    await finishDeployment(ctx, generation ?? null, deployment);
  }
}

/** `comin rollback`: the current deployment and the latest `done` one before it (§14). */
export function manualRollbackTarget(ctx: AgentContext): { deployment: DeploymentRecord; to: string } {
  const deployments = ctx.state.deployments.filter(isDeployment);
  const current = currentDeployment(deployments);
  if (!current) throw new Error("no deployment to roll back: nothing was deployed yet");
  const index = deployments.indexOf(current);
  const earlier = deployments.slice(0, index).findLast((d) => d.status === "done" && d.outPath !== null && d.outPath !== current.outPath);
  if (!earlier?.outPath) throw new Error("no earlier deployment to return to: the current deployment is the first one in the history");
  return { deployment: current, to: earlier.outPath };
}

export async function runRollback(ctx: AgentContext, deploymentId: string): Promise<DeploymentRecord | null> {
  const { state, ports } = ctx;
  const deployment = state.deployments.find((d): d is DeploymentRecord => isDeployment(d) && d.id === deploymentId);
  const rollback = deployment?.rollback;
  if (!deployment || !rollback?.to || rollback.status !== "running") return null;
  const operation: Operation = rollback.trigger === "boot" ? "boot" : (deployment.operation ?? deployment.operationSubmitted);
  const log = ctx.log.child({ deployment: deployment.id, rollback: rollback.trigger });
  try {
    await ports.deployer.rollback({ to: rollback.to, operation, badProfileLink: operation === "test" ? null : deployment.profilePath, onLine: (line) => log.info("rollback activation", { line }) });
    // After a bad boot the reboot comes before "done": a real reboot never returns here, and the
    // agent finishes the rollback after it (the reboot is not run twice: rebootOnce).
    if (rollback.trigger === "boot") await rebootOnce(ctx, deployment.outPath, rollback.to);
    rollback.status = "done";
    deployment.status = "rolled-back";
    await ctx.save();
    ctx.events.emit({ type: "rolled-back", at: ctx.at(), deployment: { ...deployment }, rollback: { ...rollback } });
  } catch (error) {
    // §14: reported, and nothing more is tried automatically for this generation.
    rollback.status = "failed";
    rollback.error = errorMessage(error);
    deployment.status = "failed";
    log.error("rollback failed: nothing more is tried for this deployment", { error: rollback.error });
    await ctx.save();
    ctx.events.emit({ type: "rollback-failed", at: ctx.at(), deployment: { ...deployment }, rollback: { ...rollback } });
  }
  const generation = state.generations.find((g) => g.id === deployment.generationId) ?? null;
  await finishDeployment(ctx, generation, deployment);
  return deployment;
}

/** After a bad boot: the reboot into the previous system at once, ignoring windows, once per bad system. */
async function rebootOnce(ctx: AgentContext, bad: string | null, to: string): Promise<void> {
  const { state } = ctx;
  const pair = rollbackRebootPair(bad);
  if (state.rebootAttempt?.pair === pair) return;
  const at = ctx.at();
  const reason = `rollback: the booted system ${bad ?? "?"} failed its health checks`;
  state.rebootAttempt = { pair, at, ok: false, error: "the reboot command has not finished" };
  state.deployments.push(newRebootEntry(reason, bad, to, at));
  await ctx.save();
  await ctx.ports.store.flush();
  ctx.events.emit({ type: "reboot", at, reboot: { at, reason, from: bad, to } });
  const result = await ctx.ports.rebooter.reboot();
  state.rebootAttempt = { pair, at, ok: result.ok, error: result.error };
  if (!result.ok) ctx.log.error("the rollback's reboot command failed: it is not tried again for this system", { error: result.error });
  await ctx.save();
}
