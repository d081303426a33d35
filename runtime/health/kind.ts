/**
 * The kind a resolved health check sets, as a discriminated union for the code that runs it. The
 * DSL has the same function (dsl/schema-health.ts `healthCheckKind`); this copy keeps the daemon
 * from loading the DSL's zod schema for it (issue 15), and a test holds the two equal.
 */
import type { HealthCheckConfig, HealthCheckKind } from "../../dsl/schema.js";

/** The kind of a check that passed validation (exactly one is set; dsl/rules-safety.ts checks it). */
export function checkKind(check: HealthCheckConfig): HealthCheckKind {
  if (check.http) return { kind: "http", url: check.http.url, expectStatus: check.http.expectStatus };
  if (check.systemdUnit !== null) return { kind: "systemdUnit", unit: check.systemdUnit };
  if (check.command) return { kind: "command", argv: check.command };
  return { kind: "noFailedUnits" };
}
