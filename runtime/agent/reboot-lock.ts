/**
 * The fleet reboot lock from the agent's side (behaviour.md §16): take a slot after the policy
 * decided to reboot (inside a window) and before the command runs, record the hold in the state,
 * give it back once the machine is up in the expected system and verified. The decisions are pure
 * (reboot/coordination.ts); this file runs them through the RebootLock port and keeps what status,
 * metrics and the planner show: the last view of the lock, its last error, the wait before a retry.
 */
import { errorMessage } from "../errors.js";
import type { RebootLock, RebootLockView } from "../ports.js";
import { mayReleaseRebootLock, postBootHealth, REBOOT_LOCK_RETRY_MS, refusedWords, unreachableWords, type RebootLockBlock } from "../reboot/coordination.js";
import type { RebootFacts } from "../reboot/policy.js";
import type { RebootLockStatus } from "../types.js";
import type { AgentContext } from "./context.js";

export class RebootLockKeeper {
  /** Set when the last take was refused or failed: the planner waits until `until`. */
  block: RebootLockBlock | null = null;
  view: RebootLockView | null = null;
  error: string | null = null;
  private lastKeepWhy: string | null = null;

  constructor(
    readonly lock: RebootLock,
    /** The id this machine holds slots under: its machine id (the hostname when it has none). */
    readonly holder: string,
    private readonly slots: number,
  ) {}

  /** Takes a slot before the reboot command; true when this machine holds one. */
  async take(ctx: AgentContext, facts: RebootFacts): Promise<boolean> {
    const now = ctx.ports.clock.now();
    const retryAt = new Date(now.getTime() + REBOOT_LOCK_RETRY_MS);
    try {
      const result = await this.lock.acquire(this.holder);
      this.view = result.view;
      this.error = null;
      if (!result.granted) {
        const why = refusedWords(result.refusal);
        if (this.block?.why !== why) ctx.log.info("no free reboot slot: waiting", { group: this.lock.group, refusal: result.refusal });
        this.block = { why, until: retryAt };
        return false;
      }
    } catch (error) {
      this.error = errorMessage(error);
      ctx.log.warn("the reboot lock cannot be reached: not rebooting (fail closed), trying again in 10s", { backend: this.lock.backend, error: this.error });
      this.block = { why: unreachableWords(this.error, retryAt), until: retryAt };
      return false;
    }
    this.block = null;
    const held = ctx.state.rebootLock;
    if (!held || held.holder !== this.holder || held.group !== this.lock.group) {
      ctx.state.rebootLock = { backend: this.lock.backend, group: this.lock.group, holder: this.holder, takenAt: now.toISOString(), from: facts.booted, to: facts.current };
      ctx.log.info("took a reboot slot", { group: this.lock.group, holder: this.holder });
    }
    await ctx.save();
    await ctx.ports.store.flush();
    return true;
  }

  /** Gives the slot back when the pure rule says so (run at start-up and on every reboot check). */
  async settle(ctx: AgentContext, facts: RebootFacts, startedAt: Date): Promise<void> {
    const hold = ctx.state.rebootLock;
    if (!hold) return;
    const health = postBootHealth(ctx.config.health, ctx.state.bootVerification, facts.booted);
    const decision = mayReleaseRebootLock({ hold, facts, lastAttempt: ctx.state.rebootAttempt, startedAt, health });
    if (decision.kind === "keep") {
      if (decision.why !== this.lastKeepWhy) ctx.log.info("keeping the reboot slot", { group: hold.group, why: decision.why });
      this.lastKeepWhy = decision.why;
      return;
    }
    await this.release(ctx, hold.holder).catch(() => {
      // Logged (once per error) and in status; the next reboot check tries again.
    });
  }

  /** Gives `id`'s slot back (this machine's by default); clears the hold when it is this machine's. */
  async release(ctx: AgentContext, id: string = this.holder): Promise<{ released: boolean; view: RebootLockView }> {
    let result: { released: boolean; view: RebootLockView };
    try {
      result = await this.lock.release(id);
    } catch (error) {
      const message = errorMessage(error);
      // Retried every 10 s: said once per distinct error.
      if (message !== this.error) ctx.log.warn("cannot give the reboot slot back: trying again later", { backend: this.lock.backend, error: message });
      this.error = message;
      throw error;
    }
    this.error = null;
    this.view = result.view;
    if (id === ctx.state.rebootLock?.holder) {
      ctx.state.rebootLock = null;
      this.lastKeepWhy = null;
      await ctx.save();
    }
    ctx.log.info(result.released ? "gave the reboot slot back" : "the reboot lock had no slot for this id", { group: this.lock.group, holder: id });
    return result;
  }

  /** Asks the service now (for `comin reboot-lock status`). */
  async refreshView(): Promise<void> {
    try {
      this.view = await this.lock.inspect();
      this.error = null;
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  /** The status shape (interfaces.md §7), `backend` added. */
  status(ctx: AgentContext): RebootLockStatus {
    const held = ctx.state.rebootLock?.holder === this.holder;
    return {
      backend: this.lock.backend,
      group: this.lock.group,
      slots: this.lock.backend === "etcd" ? this.slots : null,
      // FleetLock cannot list holders: show this machine when it holds a slot.
      holders: this.view?.holders ?? (held ? [this.holder] : []),
      held,
      error: this.error,
    };
  }
}
