/**
 * Cross-field rules of health checks (§14) and reboot coordination (§16) (see rules.ts for what
 * a rule is).
 */
import { formatDuration } from "./duration.js";
import type { ConfigIssue } from "./issues.js";
import type { Rule } from "./rule-inputs.js";
import type { CominConfig, HealthCheckConfig } from "./schema.js";

const CHECK_KINDS = ["http", "systemdUnit", "noFailedUnits", "command"] as const;
export type HealthCheckKindName = (typeof CHECK_KINDS)[number];

/** The kinds a check sets (a valid check sets exactly one). */
export function kindsOf(check: Pick<HealthCheckConfig, HealthCheckKindName>): HealthCheckKindName[] {
  return CHECK_KINDS.filter((kind) => (kind === "noFailedUnits" ? check.noFailedUnits : check[kind] !== null));
}

export const oneKindPerCheck: Rule = {
  inputs: ["health.checks.*.name", ...CHECK_KINDS.map((kind) => `health.checks.*.${kind}`)],
  check: (config) =>
    (config.health?.checks ?? []).flatMap((check, index) => {
      const kinds = kindsOf(check);
      if (kinds.length === 1) return [];
      const path = ["health", "checks", index];
      const which = kinds.length === 0 ? "it sets none" : `it sets ${kinds.join(" and ")}`;
      return [{ path, message: `check "${check.name}" needs exactly one of http, systemdUnit, noFailedUnits: true or command; ${which}` }];
    }),
};

export const uniqueCheckNames: Rule = {
  inputs: ["health.checks.*.name"],
  check: (config) => {
    const seen = new Map<string, number>();
    const issues: ConfigIssue[] = [];
    (config.health?.checks ?? []).forEach((check, index) => {
      const first = seen.get(check.name);
      if (first === undefined) seen.set(check.name, index);
      else issues.push({ path: ["health", "checks", index, "name"], message: `duplicate check name "${check.name}" (also health.checks[${first}]): names must be unique` });
    });
    return issues;
  },
};

export const healthTimings: Rule = {
  inputs: ["health.interval", "health.timeout", "health.checks.*.timeout"],
  check: (config) => healthTimingIssues(config.health),
};

function healthTimingIssues(health: CominConfig["health"]): ConfigIssue[] {
  if (!health) return [];
  const issues: ConfigIssue[] = [];
  if (health.interval < 1) issues.push({ path: ["health", "interval"], message: "the interval between two rounds of checks must be at least 1s" });
  if (health.timeout < 1) issues.push({ path: ["health", "timeout"], message: "the health timeout must be at least 1s" });
  health.checks.forEach((check, index) => {
    const path = ["health", "checks", index, "timeout"];
    if (check.timeout < 1) issues.push({ path, message: "a check's timeout must be at least 1s" });
    else if (health.timeout >= 1 && check.timeout > health.timeout) {
      issues.push({
        path,
        message: `the check's timeout (${formatDuration(check.timeout)}) is longer than health.timeout (${formatDuration(health.timeout)}): a round could never finish in time`,
      });
    }
  });
  return issues;
}

export const coordinationBackend: Rule = {
  inputs: ["reboot.coordination"],
  check: (config) => coordinationIssues(config.reboot.coordination),
};

function coordinationIssues(coordination: CominConfig["reboot"]["coordination"]): ConfigIssue[] {
  if (!coordination) return [];
  const path = ["reboot", "coordination"];
  const { etcd, fleetLock } = coordination;
  if (etcd && fleetLock) return [{ path, message: "set either etcd or fleetLock, not both: the reboot lock lives in one place" }];
  if (!etcd && !fleetLock) return [{ path, message: "set etcd or fleetLock: where the reboot lock lives (or set coordination to null)" }];
  const issues: ConfigIssue[] = [];
  if (fleetLock && coordination.slots !== 1) {
    issues.push({ path: [...path, "slots"], message: `slots (${coordination.slots}) is for etcd only: a FleetLock server owns its slot count, so set it on the server` });
  }
  if (etcd) {
    if ((etcd.certFile === null) !== (etcd.keyFile === null)) {
      const missing = etcd.certFile === null ? "certFile" : "keyFile";
      issues.push({ path: [...path, "etcd", missing], message: "certFile and keyFile go together (TLS client authentication): set both or neither" });
    }
    const tls = (["caFile", "certFile", "keyFile"] as const).filter((key) => etcd[key] !== null);
    const plain = etcd.endpoints.filter((endpoint) => endpoint.startsWith("http://"));
    if (tls.length > 0 && plain.length > 0) {
      issues.push({ path: [...path, "etcd", "endpoints"], message: `${tls.join(", ")} ${tls.length === 1 ? "applies" : "apply"} to https:// endpoints only, and ${plain.join(", ")} ${plain.length === 1 ? "is" : "are"} http://` });
    }
  }
  return issues;
}

export const SAFETY_RULES: readonly Rule[] = [oneKindPerCheck, uniqueCheckNames, healthTimings, coordinationBackend];
