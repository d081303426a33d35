/**
 * The planner's part of behaviour.md §14, pure like plan.ts: which deployment is verified or rolled
 * back next, and which generation the quarantine holds. Verification and rollback are actions of
 * the planner; a restart finds them in the state (a deployment `verifying`, a rollback `running`,
 * a boot verification `running`) and runs them again.
 */
import type { State } from "../state/state.js";
import { isDeployment, type DeploymentRecord, type GenerationRecord, type RollbackTrigger } from "../types.js";

export type HealthAction =
  | { kind: "verify"; deploymentId: string }
  | { kind: "verify-boot"; deploymentId: string; outPath: string }
  | { kind: "rollback"; deploymentId: string; trigger: RollbackTrigger };

/** A rollback in flight first, then a verification in flight; null when neither. */
export function planHealth(state: State): HealthAction | null {
  const deployments = state.deployments.filter(isDeployment);
  const rolling = deployments.findLast((d) => d.rollback?.status === "running");
  if (rolling?.rollback) return { kind: "rollback", deploymentId: rolling.id, trigger: rolling.rollback.trigger };
  const latest = deployments.at(-1);
  if (latest?.status === "verifying") return { kind: "verify", deploymentId: latest.id };
  const boot = state.bootVerification;
  if (boot?.status === "running") {
    const installed = deployments.findLast((d) => d.outPath === boot.outPath && d.status === "done");
    if (installed) return { kind: "verify-boot", deploymentId: installed.id, outPath: boot.outPath };
  }
  return null;
}

/**
 * After a reboot (read at start-up): the booted system is the one the current `switch`/`boot`
 * deployment installed and it has not been verified since it was first booted (the state has no
 * boot identity: a second reboot into the same verified system is not verified again).
 */
export function needsBootVerification(state: State, current: DeploymentRecord | null, booted: string | null): boolean {
  if (!current || !booted || current.outPath !== booted) return false;
  if (current.operation !== "switch" && current.operation !== "boot") return false;
  if (state.bootVerification?.outPath === booted) return false;
  // A system a later rollback returned to was healthy before: never a cascade of rollbacks.
  const later = state.deployments.slice(state.deployments.indexOf(current) + 1);
  return !later.some((d) => isDeployment(d) && d.rollback?.to === booted);
}

/** Why the quarantine holds this generation (its commit, or the system it evaluated to); null when it does not. */
export function quarantined(state: Pick<State, "quarantine">, generation: Pick<GenerationRecord, "commit" | "outPath">): string | null {
  const byCommit = state.quarantine.find((entry) => entry.commit === generation.commit);
  if (byCommit) return `commit ${byCommit.commit} is quarantined: ${byCommit.reason}`;
  const bySystem = generation.outPath ? state.quarantine.find((entry) => entry.outPath === generation.outPath) : undefined;
  if (bySystem) return `system ${generation.outPath} is quarantined`;
  return null;
}

/** §14: a health failure (or a rollback) is not retried by §10: retrying does not heal it. */
export function healthFailure(state: State, generation: GenerationRecord): string | null {
  const deployment = state.deployments.find((d): d is DeploymentRecord => isDeployment(d) && d.id === generation.deploy.deploymentId);
  if (!deployment) return null;
  if (deployment.rollback) return `the deployment was rolled back (${deployment.rollback.trigger}): not retried; waiting for a new commit`;
  if (deployment.health.status === "failed") return "the deployment failed its health checks: not retried; waiting for a new commit";
  return null;
}
