/**
 * What the local API and the webhooks may ask of the agent (the Controller of types.ts): status,
 * fetches, suspension, history, submit-latest, confirmations, rollback, quarantine and the event
 * stream.
 */
import type { State } from "../state/state.js";
import type { CominEvent, ConfirmationStatus, Controller, DeploymentRecord, FetchedBranch, FetchOutcome, HistoryEntry, Operation, PlanJson, QuarantineEntry, RebootLockStatus, StatusJson } from "../types.js";
import type { Agent } from "./agent.js";
import { clearQuarantine } from "./quarantine.js";
import { submitLatest } from "./requests.js";
import { explainPlan } from "./explain.js";
import { describe, projectStatus } from "./status.js";

function fetchedBranches(before: State["branches"][string] | undefined, after: State["branches"][string] | undefined): FetchedBranch[] {
  const roles = ["main", "testing"] as const;
  return roles.flatMap((role) => {
    const now = after?.[role];
    if (!now || now.name === null) return [];
    return [{ role, name: now.name, before: before?.[role]?.commit ?? null, after: now.commit, error: now.error }];
  });
}

export class AgentController implements Controller {
  constructor(private readonly agent: Agent) {}

  status(): StatusJson {
    const { agent } = this;
    return projectStatus(agent.ctx.state, agent.ctx.config, {
      next: agent.next(),
      needToReboot: agent.reboots.facts.needed,
      needToRebootReason: agent.reboots.facts.reason,
      confirmations: agent.confirmations.list(),
      fetching: agent.isFetching,
      startedAt: agent.startedAt,
      now: agent.ctx.ports.clock.now(),
      rebootLock: agent.rebootLock?.status(agent.ctx) ?? null,
    });
  }

  plan(): PlanJson {
    const { agent } = this;
    const action = agent.next();
    return explainPlan({
      state: agent.ctx.state,
      action,
      hostMachineId: agent.ctx.ports.machine.machineId,
      confirmations: agent.confirmations.list(),
      words: describe(action, agent.ctx.config, agent.ctx.ports.clock.now()),
    });
  }

  async rebootLock(): Promise<RebootLockStatus | null> {
    const { rebootLock, ctx } = this.agent;
    if (!rebootLock) return null;
    await rebootLock.refreshView();
    return rebootLock.status(ctx);
  }

  async releaseRebootLock(id?: string): Promise<{ id: string; released: boolean; lock: RebootLockStatus }> {
    const { rebootLock, ctx } = this.agent;
    if (!rebootLock) throw new Error("reboot coordination is not configured (reboot.coordination is null)");
    const holder = id ?? rebootLock.holder;
    const result = await rebootLock.release(ctx, holder);
    this.agent.kick();
    return { id: holder, released: result.released, lock: rebootLock.status(ctx) };
  }

  /** Resolves after selection ran over the fetched refs: each outcome says what changed. */
  async fetch(remotes?: string[]): Promise<FetchOutcome[]> {
    const { ctx } = this.agent;
    const before = structuredClone(ctx.state.branches);
    const outcomes = await ctx.ports.source.request(remotes);
    return outcomes.map((outcome) => ({ ...outcome, branches: fetchedBranches(before[outcome.remote], ctx.state.branches[outcome.remote]) }));
  }

  remotes(): { name: string; url: string }[] {
    return this.agent.ctx.config.remotes.map((remote) => ({ name: remote.name, url: remote.url }));
  }

  subscribe(listener: (event: CominEvent) => void): () => void {
    return this.agent.events.subscribe(listener);
  }

  deployments(): HistoryEntry[] {
    return this.agent.ctx.state.deployments.map((entry) => ({ ...entry }));
  }

  confirmations(): ConfirmationStatus[] {
    return this.agent.confirmations.list();
  }

  acceptConfirmation(): ConfirmationStatus[] {
    const accepted = this.agent.confirmations.acceptAll();
    if (accepted.length) this.agent.kick();
    return accepted;
  }

  /** Idempotent: false when the agent was already suspended (nothing changes). */
  async suspend(): Promise<boolean> {
    const { ctx } = this.agent;
    if (ctx.state.suspended) return false;
    ctx.state.suspended = true;
    await ctx.save();
    ctx.events.emit({ type: "suspended", at: ctx.at() });
    this.agent.kick();
    return true;
  }

  /** Idempotent: false when the agent was running already (nothing changes). */
  async resume(): Promise<boolean> {
    const { ctx } = this.agent;
    if (!ctx.state.suspended) return false;
    ctx.state.suspended = false;
    await ctx.save();
    ctx.events.emit({ type: "resumed", at: ctx.at() });
    await this.agent.refreshReboots();
    this.agent.kick();
    return true;
  }

  async submitLatest(operation?: Operation): Promise<DeploymentRecord | null> {
    const request = submitLatest(this.agent.ctx, operation);
    if (request.kind === "deploy") return this.agent.requestDeploy(request.generationId, request.operation);
    await this.agent.ctx.save();
    this.agent.kick();
    return null;
  }

  rollback(options: { quarantine: boolean }): Promise<DeploymentRecord> {
    return this.agent.requestRollback(options);
  }

  quarantine(): QuarantineEntry[] {
    return this.agent.ctx.state.quarantine.map((entry) => ({ ...entry }));
  }

  async clearQuarantine(commit: string | null): Promise<QuarantineEntry[]> {
    const cleared = clearQuarantine(this.agent.ctx, commit);
    await this.agent.ctx.save();
    this.agent.kick();
    return cleared;
  }
}
