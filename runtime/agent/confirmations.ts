/**
 * Confirmations of builds and deployments (behaviour.md §11): `manual` waits for
 * `comin confirmation accept`, `auto` proceeds after a delay unless a newer candidate arrives first.
 * In memory only: after a restart the question is asked again.
 */
import type { CominConfig } from "../../dsl/schema.js";
import type { Clock, Timer } from "../ports.js";
import type { ConfirmationStage, ConfirmationStatus } from "../types.js";
import type { EventBus } from "./events.js";

interface Pending {
  status: ConfirmationStatus;
  timer: Timer | null;
}

export class Confirmations {
  private readonly pending = new Map<ConfirmationStage, Pending>();
  /** `<stage>:<generationId>` */
  readonly accepted = new Set<string>();

  constructor(
    private readonly settings: CominConfig["confirm"],
    private readonly clock: Clock,
    private readonly events: EventBus,
    /** Called when an `auto` confirmation proceeds by itself. */
    private readonly onAccepted: () => void,
  ) {}

  list(): ConfirmationStatus[] {
    return [...this.pending.values()].map((p) => ({ ...p.status }));
  }

  /** Asks for a confirmation of `stage` for this generation (replacing one of another generation). */
  ask(stage: ConfirmationStage, generationId: string, commit: string): void {
    const existing = this.pending.get(stage);
    if (existing?.status.generationId === generationId) return;
    existing?.timer?.cancel();
    const setting = this.settings[stage];
    const submittedAt = this.clock.now();
    const autoAt = setting.mode === "auto" ? new Date(submittedAt.getTime() + setting.after * 1000) : null;
    const status: ConfirmationStatus = { stage, mode: setting.mode, generationId, commit, submittedAt: submittedAt.toISOString(), autoAt: autoAt?.toISOString() ?? null };
    const entry: Pending = { status, timer: null };
    if (setting.mode === "auto") {
      entry.timer = this.clock.setTimer(setting.after * 1000, () => {
        this.accept(entry);
        this.onAccepted();
      });
    }
    this.pending.set(stage, entry);
    this.events.emit({ type: "confirmation-pending", at: submittedAt.toISOString(), confirmation: { ...status } });
  }

  /** Accepts every pending confirmation; accepting a build also accepts its deployment. */
  acceptAll(): ConfirmationStatus[] {
    const accepted = this.list();
    for (const entry of [...this.pending.values()]) {
      this.accept(entry);
      if (entry.status.stage === "build") this.accepted.add(`deploy:${entry.status.generationId}`);
    }
    return accepted;
  }

  /** A new generation forgets every question and answer about older ones. */
  clear(): void {
    for (const entry of this.pending.values()) entry.timer?.cancel();
    this.pending.clear();
    this.accepted.clear();
  }

  private accept(entry: Pending): void {
    entry.timer?.cancel();
    this.accepted.add(`${entry.status.stage}:${entry.status.generationId}`);
    this.pending.delete(entry.status.stage);
    this.events.emit({ type: "confirmation-accepted", at: this.clock.now().toISOString(), confirmation: { ...entry.status } });
  }
}
