/**
 * Refusal log lines, bounded: anyone who can reach the port can be refused thousands of times a
 * second, and each refusal must not cost a journal line. The first few of each period are
 * logged; the rest are counted and the count is logged once the period is over.
 */
import type { Fields, Logger } from "../log.js";

export class RefusalLog {
  private windowStart = 0;
  private logged = 0;
  private suppressed = 0;
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: Logger,
    private readonly perWindow = 20,
    private readonly windowMs = 60_000,
  ) {}

  refused(message: string, fields: Fields): void {
    const now = Date.now();
    if (now - this.windowStart >= this.windowMs) {
      this.flush();
      this.windowStart = now;
    }
    if (this.logged < this.perWindow) {
      this.logged++;
      this.log.warn(message, fields);
      return;
    }
    this.suppressed++;
    // The count of a burst is logged even if no refusal comes after it.
    this.flushTimer ??= setTimeout(() => this.flush(), this.windowStart + this.windowMs - now).unref();
  }

  /** Logs how many refusals were not logged, and starts counting again. */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.suppressed > 0) this.log.warn("webhook refusals not logged one by one", { count: this.suppressed, windowMs: this.windowMs });
    this.suppressed = 0;
    this.logged = 0;
  }

  close(): void {
    this.flush();
  }
}
