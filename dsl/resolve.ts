/**
 * From what the user writes to what the runtime reads: host overrides merged over the fleet
 * settings, defaults applied, `{hostname}` substituted, cross-field rules checked. Every problem
 * is collected; nothing stops at the first one, and a rule runs whenever the keys it reads are
 * valid, whatever else is wrong.
 */
import path from "node:path";
import { fromZodError, unknownKeyMessage, type ConfigIssue } from "./issues.js";
import { checkRules, checkRulesOnInvalid } from "./rules.js";
import { HostName, HostOnly, HostSettings, RuntimeConfig, SCHEMA_VERSION, type CominConfig } from "./schema.js";

export type Resolution<T> = { ok: true; value: T } | { ok: false; issues: ConfigIssue[] };

const HOST_SETTINGS_KEYS = Object.keys(HostSettings.shape);
const HOST_ONLY_KEYS = Object.keys(HostOnly.shape);
const FLEET_KEYS = [...HOST_SETTINGS_KEYS, "hosts"];
const HOST_KEYS = [...HOST_SETTINGS_KEYS, ...HOST_ONLY_KEYS];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; arrays, scalars and null from the override replace. */
export function mergeOverride(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = mergeOverride(base[key], value);
  return merged;
}

/** Whether the value at `issuePath` of the merged config came from the override. */
function comesFromOverride(override: unknown, issuePath: readonly (string | number)[]): boolean {
  let current: unknown = override;
  for (const segment of issuePath) {
    if (!isPlainObject(current)) return current !== undefined;
    if (!(String(segment) in current)) return false;
    current = current[String(segment)];
  }
  return current !== undefined;
}

/** Whether `value` has something at `issuePath` (through objects and arrays). */
function existsAt(value: unknown, issuePath: readonly (string | number)[]): boolean {
  let current: unknown = value;
  for (const segment of issuePath) {
    if (Array.isArray(current) && typeof segment === "number") current = current[segment];
    else if (isPlainObject(current) && typeof segment === "string") current = current[segment];
    else return false;
  }
  return current !== undefined;
}

function substituteHostname(value: string, hostname: string): string {
  return value.replaceAll("{hostname}", hostname);
}

/** Fills what depends on other keys: `{hostname}` in branch names and systemAttr, the socket path. */
export function completeHostConfig(config: CominConfig): CominConfig {
  const { schemaVersion, hostname, machineId, ...settings } = config;
  return {
    schemaVersion,
    hostname,
    machineId,
    ...settings,
    remotes: config.remotes.map((remote) => ({
      ...remote,
      branches: {
        main: { ...remote.branches.main, name: substituteHostname(remote.branches.main.name, hostname) },
        testing: {
          ...remote.branches.testing,
          name: remote.branches.testing.name === null ? null : substituteHostname(remote.branches.testing.name, hostname),
        },
      },
    })),
    repository: {
      ...config.repository,
      systemAttr: config.repository.systemAttr === null ? null : substituteHostname(config.repository.systemAttr, hostname),
    },
    paths: { ...config.paths, socket: config.paths.socket ?? path.join(config.stateDir, "comin.sock") },
  };
}

/** Parses one host's configuration (a resolved JSON, or a merged fleet entry). */
export function parseRuntimeConfig(input: unknown): Resolution<CominConfig> {
  if (!isPlainObject(input)) return { ok: false, issues: [{ path: [], message: `expected a JSON object, got ${describe(input)}` }] };
  const parsed = RuntimeConfig.safeParse(input, { reportInput: true });
  if (!parsed.success) return { ok: false, issues: [...fromZodError(parsed.error, RuntimeConfig), ...checkRulesOnInvalid(input)] };
  const config = completeHostConfig(parsed.data);
  const issues = checkRules(config);
  return issues.length ? { ok: false, issues } : { ok: true, value: config };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "function") return "a function";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

function checkKeys(value: Record<string, unknown>, allowed: readonly string[], at: (string | number)[], hostOnlyHint: boolean): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    if (hostOnlyHint && HOST_ONLY_KEYS.includes(key)) {
      issues.push({ path: [...at, key], message: `"${key}" is a per-host key: set it under hosts.<name>.${key}` });
    } else {
      issues.push({ path: [...at, key], message: unknownKeyMessage(key, allowed) });
    }
  }
  return issues;
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = JSON.stringify([issue.path, issue.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Resolves a whole fleet configuration (the default export of comin.config.ts) into one runtime
 * configuration per host. Problems are reported where they can be fixed: in the host's override,
 * or once at the fleet level.
 */
export function resolveFleet(input: unknown): Resolution<Record<string, CominConfig>> {
  if (!isPlainObject(input)) {
    return { ok: false, issues: [{ path: [], message: `expected the configuration object (defineConfig({...})), got ${describe(input)}` }] };
  }
  const { hosts, ...fleet } = input;
  const issues: ConfigIssue[] = checkKeys(fleet, FLEET_KEYS, [], true);
  if (hosts === undefined) {
    issues.push({ path: ["hosts"], message: "required: declare at least one host, e.g. hosts: { web1: {} }" });
    return { ok: false, issues };
  }
  if (!isPlainObject(hosts) || Object.keys(hosts).length === 0) {
    issues.push({ path: ["hosts"], message: `expected an object with at least one host, e.g. hosts: { web1: {} }, got ${describe(hosts)}` });
    return { ok: false, issues };
  }
  const cleanFleet = Object.fromEntries(Object.entries(fleet).filter(([key]) => FLEET_KEYS.includes(key)));
  const resolved: Record<string, CominConfig> = {};
  const lowerNames = new Map<string, string>();
  for (const [hostname, override] of Object.entries(hosts)) {
    const hostPath = ["hosts", hostname];
    if (!HostName.safeParse(hostname).success) {
      issues.push({ path: hostPath, message: `invalid host name ${JSON.stringify(hostname)}: expected letters, digits and "-", in dot-separated labels` });
      continue;
    }
    const clash = lowerNames.get(hostname.toLowerCase());
    if (clash) issues.push({ path: hostPath, message: `host names are case-insensitive: "${hostname}" and "${clash}" are the same host` });
    lowerNames.set(hostname.toLowerCase(), hostname);
    if (!isPlainObject(override)) {
      issues.push({ path: hostPath, message: `expected an object of overrides (or {}), got ${describe(override)}` });
      continue;
    }
    const keyIssues = checkKeys(override, HOST_KEYS, hostPath, false);
    issues.push(...keyIssues);
    const cleanOverride = Object.fromEntries(Object.entries(override).filter(([key]) => HOST_KEYS.includes(key)));
    const merged = mergeOverride(cleanFleet, cleanOverride);
    const result = parseRuntimeConfig({ ...(merged as object), schemaVersion: SCHEMA_VERSION, hostname });
    if (result.ok) {
      resolved[hostname] = result.value;
      continue;
    }
    for (const issue of result.issues) {
      const fromHost = comesFromOverride(cleanOverride, issue.path);
      // A required key missing from an object the fleet wrote (a fleet remote without url) is
      // fixed at the fleet level, once; one missing everywhere (remotes) is each host's to set.
      const parent = issue.path.slice(0, -1);
      const missing = issue.message.startsWith("required");
      const missingInFleetObject = missing && parent.length > 0 && !comesFromOverride(cleanOverride, parent) && existsAt(cleanFleet, parent);
      issues.push(fromHost || (missing && !missingInFleetObject) ? { ...issue, path: [...hostPath, ...issue.path] } : issue);
    }
  }
  const all = dedupe(issues);
  return all.length ? { ok: false, issues: all } : { ok: true, value: resolved };
}

