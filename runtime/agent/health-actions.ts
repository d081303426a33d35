/**
 * The agent's side of the planner's §14 actions (`verify`, `verify-boot`, `rollback`): what each
 * one runs, and `comin rollback` requests waiting for their rollback to end. Kept apart from
 * agent.ts, which only starts them as its one running action.
 */
import type { DeploymentRecord } from "../types.js";
import type { AgentContext } from "./context.js";
import type { HealthAction } from "./plan-health.js";
import { manualRollbackTarget, runRollback, startRollback } from "./rollback.js";
import { runBootVerification, runVerification } from "./verify.js";

export class HealthActions {
  /** `comin rollback` requests waiting for their rollback to end, by deployment id. */
  private readonly waiters = new Map<string, (deployment: DeploymentRecord | null) => void>();

  constructor(
    private readonly ctx: AgentContext,
    /** Re-reads the reboot facts after a deployment changed the system. */
    private readonly refreshReboots: () => Promise<void>,
  ) {}

  /** The running-action kind and the body of a §14 action. */
  run(action: HealthAction): { kind: "verify" | "rollback"; body: (signal: AbortSignal) => Promise<void> } {
    const { ctx } = this;
    switch (action.kind) {
      case "verify":
        return {
          kind: "verify",
          body: async (signal) => {
            await runVerification(ctx, action.deploymentId, signal);
            await this.refreshReboots();
          },
        };
      case "verify-boot":
        return { kind: "verify", body: (signal) => runBootVerification(ctx, action.deploymentId, signal) };
      case "rollback":
        return {
          kind: "rollback",
          body: async () => {
            const deployment = await runRollback(ctx, action.deploymentId);
            this.waiters.get(action.deploymentId)?.(deployment);
            this.waiters.delete(action.deploymentId);
            await this.refreshReboots();
          },
        };
    }
  }

  /** `comin rollback`: recorded now, run by the planner; resolves when the rollback has ended. */
  async requestRollback(options: { quarantine: boolean }, busy: string | null, kick: () => void): Promise<DeploymentRecord> {
    if (busy) throw new Error(`the agent is busy (${busy}): try again when it has finished`);
    const { deployment, to } = manualRollbackTarget(this.ctx);
    const ended = new Promise<DeploymentRecord | null>((resolve) => this.waiters.set(deployment.id, resolve));
    await startRollback(this.ctx, deployment, { trigger: "manual", to, reason: "manual rollback (comin rollback)", quarantine: options.quarantine });
    kick();
    const result = await ended;
    if (!result) throw new Error("the rollback did not run");
    return { ...result };
  }
}
