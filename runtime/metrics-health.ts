/**
 * The metrics of behaviour.md §14, beside metrics.ts: `comin_rollbacks_total{trigger}`,
 * `comin_rollback_failures_total{trigger}` (an extension: rollbacks whose own activation failed),
 * `comin_health_check_failed{check}` (1 while the check's last run failed, from the status at
 * scrape time) and `comin_quarantined_commits`.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import { ROLLBACK_TRIGGERS, type CominEvent, type StatusJson } from "./types.js";

export class HealthMetrics {
  private readonly rollbacks: Counter<"trigger">;
  private readonly rollbackFailures: Counter<"trigger">;

  constructor(registry: Registry, status: () => StatusJson) {
    const registers = [registry];
    this.rollbacks = new Counter({ name: "comin_rollbacks_total", help: "Rollbacks to the previous system that ended well, by trigger (activation, health, boot, manual).", labelNames: ["trigger"], registers });
    this.rollbackFailures = new Counter({
      name: "comin_rollback_failures_total",
      help: "Rollbacks whose own activation failed (nothing more is tried for that deployment), by trigger.",
      labelNames: ["trigger"],
      registers,
    });
    for (const trigger of ROLLBACK_TRIGGERS) {
      this.rollbacks.inc({ trigger }, 0);
      this.rollbackFailures.inc({ trigger }, 0);
    }
    new Gauge({
      name: "comin_health_check_failed",
      help: "1 while the health check's last run failed (for the latest deployment), 0 when it passed.",
      labelNames: ["check"],
      registers,
      collect() {
        this.reset();
        for (const check of status().deployment?.health.checks ?? []) {
          if (check.ok !== null) this.set({ check: check.name }, check.ok ? 0 : 1);
        }
      },
    });
    new Gauge({
      name: "comin_quarantined_commits",
      help: "Commits in quarantine: never deployed again until `comin quarantine clear`.",
      registers,
      collect() {
        this.set(status().quarantine.length);
      },
    });
  }

  observe(event: CominEvent): void {
    if (event.type === "rolled-back") this.rollbacks.inc({ trigger: event.rollback.trigger });
    else if (event.type === "rollback-failed") this.rollbackFailures.inc({ trigger: event.rollback.trigger });
  }
}
