/**
 * What the local API and the webhooks may ask of the agent (the Controller of types.ts): status,
 * fetches, suspension, history, submit-latest, confirmations and the event stream.
 */
import type { CominEvent, ConfirmationStatus, Controller, DeploymentRecord, FetchOutcome, HistoryEntry, Operation, RebootLockStatus, StatusJson } from "../types.js";
import type { Agent } from "./agent.js";
import { submitLatest } from "./requests.js";
import { projectStatus } from "./status.js";

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
      rebootLock: agent.rebootLock?.status(agent.ctx) ?? null,
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

  fetch(remotes?: string[]): Promise<FetchOutcome[]> {
    return this.agent.ctx.ports.source.request(remotes);
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

  async suspend(): Promise<void> {
    const { ctx } = this.agent;
    if (ctx.state.suspended) throw new Error("the agent is already suspended");
    ctx.state.suspended = true;
    await ctx.save();
    ctx.events.emit({ type: "suspended", at: ctx.at() });
    this.agent.kick();
  }

  async resume(): Promise<void> {
    const { ctx } = this.agent;
    if (!ctx.state.suspended) throw new Error("the agent is not suspended");
    ctx.state.suspended = false;
    await ctx.save();
    ctx.events.emit({ type: "resumed", at: ctx.at() });
    await this.agent.refreshReboots();
    this.agent.kick();
  }

  async submitLatest(operation?: Operation): Promise<DeploymentRecord | null> {
    const request = submitLatest(this.agent.ctx, operation);
    if (request.kind === "deploy") return this.agent.requestDeploy(request.generationId, request.operation);
    await this.agent.ctx.save();
    this.agent.kick();
    return null;
  }
}
