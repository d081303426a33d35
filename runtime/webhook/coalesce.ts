/**
 * Webhook deliveries come in bursts (several pushes, retries by the forge). For each set of
 * remotes at most one fetch runs and at most one more waits: a trigger arriving while a fetch
 * runs needs one fetch after it (the running one may have missed the new commit), never more.
 */
import type { Logger } from "../log.js";

export type TriggerOutcome = "started" | "queued" | "coalesced";

interface Slot {
  running: Promise<void>;
  queued: boolean;
}

export class FetchCoalescer {
  private readonly slots = new Map<string, Slot>();

  constructor(
    private readonly fetch: (remotes: string[] | undefined) => Promise<unknown>,
    private readonly log: Logger,
  ) {}

  /** `remotes` undefined means all remotes. */
  trigger(remotes: string[] | undefined): TriggerOutcome {
    const key = remotes ? [...remotes].sort().join("\n") : "*";
    const slot = this.slots.get(key);
    if (!slot) {
      this.slots.set(key, { running: this.run(key, remotes), queued: false });
      return "started";
    }
    if (slot.queued) return "coalesced";
    slot.queued = true;
    return "queued";
  }

  /** Resolves when no fetch triggered here is running or waiting. */
  async idle(): Promise<void> {
    while (this.slots.size > 0) await Promise.all([...this.slots.values()].map((slot) => slot.running));
  }

  private async run(key: string, remotes: string[] | undefined): Promise<void> {
    try {
      // Through a promise, so that even a synchronous throw lands after the slot is registered.
      await Promise.resolve().then(() => this.fetch(remotes));
    } catch (error) {
      this.log.error("fetch triggered by a webhook failed", { error, remotes: remotes ?? "all" });
    }
    const slot = this.slots.get(key);
    if (slot?.queued) {
      slot.queued = false;
      slot.running = this.run(key, remotes);
    } else {
      this.slots.delete(key);
    }
  }
}
