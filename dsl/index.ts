/**
 * What a `comin.config.ts` imports: `defineConfig` (a typed identity) and the types.
 * The runtime and the generators share the schema through this package too.
 */
import type { z } from "zod";
import type { HostOnly, HostSettingsInput } from "./schema.js";

type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** Per-host keys: any fleet key (objects merge, lists and scalars replace), plus `machineId`. */
export type HostOverride = DeepPartial<HostSettingsInput> & z.input<typeof HostOnly>;

/** What `comin.config.ts` exports: fleet-wide settings, and one entry per machine in `hosts`. */
export type CominUserConfig = Partial<HostSettingsInput> & {
  /** One entry per machine, named by its host name; each may override any fleet key. */
  hosts: Record<string, HostOverride>;
};

/** Typed identity: gives editor completion and hover documentation for `comin.config.ts`. */
export function defineConfig(config: CominUserConfig): CominUserConfig;
export function defineConfig(config: () => CominUserConfig): () => CominUserConfig;
export function defineConfig(config: CominUserConfig | (() => CominUserConfig)): CominUserConfig | (() => CominUserConfig) {
  return config;
}

export type { CominConfig, HostSettingsInput, RuntimeConfigInput } from "./schema.js";
export type { ConfigIssue } from "./issues.js";
