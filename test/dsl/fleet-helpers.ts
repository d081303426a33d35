/** Small builders and a problem formatter shared by the DSL tests. */
import { formatPath } from "../../dsl/issues.js";
import { resolveFleet } from "../../dsl/resolve.js";
import type { CominConfig } from "../../dsl/schema.js";

export const ORIGIN = { name: "origin", url: "https://git.example.org/infra.git" } as const;

/** A valid fleet with one remote and the given extra keys and hosts. */
export function fleet(extra: Record<string, unknown> = {}, hosts: Record<string, unknown> = { web1: {} }): Record<string, unknown> {
  return { remotes: [ORIGIN], ...extra, hosts };
}

export interface Problem {
  path: string;
  message: string;
}

/** The problems of a configuration, as `{ path, message }` with dotted paths, in reporting order. */
export function problemsOf(input: unknown): Problem[] {
  const result = resolveFleet(input);
  return result.ok ? [] : result.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** The resolved hosts; throws with every problem when the configuration is invalid. */
export function resolved(input: unknown): Record<string, CominConfig> {
  const result = resolveFleet(input);
  if (!result.ok) throw new Error(result.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join("\n"));
  return result.value;
}

export function host(input: unknown, name = "web1"): CominConfig {
  const config = resolved(input)[name];
  if (!config) throw new Error(`no host ${name}`);
  return config;
}
