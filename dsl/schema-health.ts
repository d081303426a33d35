/**
 * Schema of health checks after a deployment and what a failure does (behaviour §14). Part of the
 * configuration schema (see schema.ts for the conventions).
 */
import { z } from "zod";
import { HttpUrl, ProgramArgv, SystemdUnitName } from "./fields-external.js";
import { Duration, safeName } from "./fields.js";

export const HttpCheck = z.strictObject({
  /** URL fetched with GET (`http://` or `https://`). */
  url: HttpUrl,
  /**
   * HTTP status that means healthy; any other status, or no answer, fails the check.
   * @default 200
   */
  expectStatus: z
    .int({ error: (issue) => `expected an HTTP status from 100 to 599, got ${JSON.stringify(issue.input)}` })
    .min(100, { error: (issue) => `expected an HTTP status from 100 to 599, got ${JSON.stringify(issue.input)}` })
    .max(599, { error: (issue) => `expected an HTTP status from 100 to 599, got ${JSON.stringify(issue.input)}` })
    .default(200),
});

export const HealthCheck = z.strictObject({
  /**
   * Name of the check, unique in `health.checks`; status, events and the
   * `comin_health_check_failed{check}` metric show it.
   */
  name: safeName("check name"),
  /**
   * Healthy when a GET of `url` answers `expectStatus`. A check sets exactly one of `http`,
   * `systemdUnit`, `noFailedUnits` and `command`.
   * @default null
   */
  http: HttpCheck.nullable().default(null),
  /**
   * Healthy when this systemd unit is active (`systemctl is-active`). A check sets exactly one of
   * `http`, `systemdUnit`, `noFailedUnits` and `command`.
   * @default null
   */
  systemdUnit: SystemdUnitName.nullable().default(null),
  /**
   * `true`: healthy when no systemd unit has failed (`systemctl list-units --state=failed` lists
   * nothing). A check sets exactly one of `http`, `systemdUnit`, `noFailedUnits` and `command`.
   * @default false
   */
  noFailedUnits: z.boolean().default(false),
  /**
   * Program (absolute path) and arguments, run without a shell, with the `COMIN_*` environment
   * of the post-deployment command; healthy on exit 0, and the tail of its output is the detail.
   * A check sets exactly one of `http`, `systemdUnit`, `noFailedUnits` and `command`.
   * @default null
   */
  command: ProgramArgv.nullable().default(null),
  /**
   * Time one run of this check may take; a run that takes longer fails. At most `health.timeout`.
   * @default "10s"
   */
  timeout: Duration.default(10),
});

export const Health = z.strictObject({
  /** The checks; all of them must pass in the same round for the deployment to be healthy. */
  checks: z
    .array(HealthCheck, { error: "expected a list of checks" })
    .min(1, { error: "health needs at least one check (or set health to null)" }),
  /**
   * Time between the end of the activation and the first round of checks, for services to start.
   * @default "10s"
   */
  gracePeriod: Duration.default(10),
  /**
   * Time between two rounds of checks (at least 1s).
   * @default "5s"
   */
  interval: Duration.default(5),
  /**
   * Time after the grace period within which one round must pass, or the deployment is unhealthy.
   * @default "2m"
   */
  timeout: Duration.default(120),
  /**
   * What an unhealthy deployment (or a failed activation) does: `rollback` returns to the system
   * that was current before and quarantines the commit; `report` only marks the deployment
   * failed.
   * @default "rollback"
   */
  onFailure: z.enum(["rollback", "report"]).default("rollback"),
});

/** One check of a resolved configuration: the flat form of the schema (one kind set). */
export type HealthCheckConfig = z.output<typeof HealthCheck>;

/** The kind a valid check sets, as a discriminated union for the code that runs it. */
export type HealthCheckKind =
  | { kind: "http"; url: string; expectStatus: number }
  | { kind: "systemdUnit"; unit: string }
  | { kind: "noFailedUnits" }
  | { kind: "command"; argv: string[] };

/** The kind of a check that passed validation (exactly one is set; rules-safety.ts checks it). */
export function healthCheckKind(check: HealthCheckConfig): HealthCheckKind {
  if (check.http) return { kind: "http", url: check.http.url, expectStatus: check.http.expectStatus };
  if (check.systemdUnit !== null) return { kind: "systemdUnit", unit: check.systemdUnit };
  if (check.command) return { kind: "command", argv: check.command };
  return { kind: "noFailedUnits" };
}
