/**
 * What a `comin.config.ts` imports: `defineConfig` (a typed identity) and the types.
 * The runtime and the generators share the schema through this package too.
 *
 * The input types are the generated, documented interfaces of input-types.generated.ts, not
 * `z.input` of the schema: only those keep the schema's JSDoc in the emitted `.d.ts`, which is
 * what an editor shows on hover.
 */
import type { HostOnlyInput, HostSettingsInput } from "./input-types.generated.js";

/** Every key optional, through objects; lists and scalars are replaced whole, so kept as they are. */
export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** Per-host keys: any fleet key (objects merge, lists and scalars replace), plus `machineId`. */
export type HostOverride = DeepPartial<HostSettingsInput> & HostOnlyInput;

/** What `comin.config.ts` exports: fleet-wide settings, and one entry per machine in `hosts`. */
export interface CominUserConfig extends Partial<HostSettingsInput> {
  /** One entry per machine, named by its host name; each may override any fleet key. */
  hosts: Record<string, HostOverride>;
}

/** A configuration computed when it is loaded (it may read files, or be async). */
export type CominUserConfigFunction = () => CominUserConfig | Promise<CominUserConfig>;

/**
 * Typed identity: gives editor completion, hover documentation and type errors for
 * `comin.config.ts`. One signature, not overloads: with overloads, a wrong key is reported as
 * "No overload matches this call" on `defineConfig`; with one, on the key itself. A function's
 * errors land on its keys when its return type is written: `defineConfig((): CominUserConfig => ({ ... }))`.
 */
export function defineConfig(config: CominUserConfig | CominUserConfigFunction): CominUserConfig | CominUserConfigFunction {
  return config;
}

export type * from "./input-types.generated.js";
export type { CominConfig, RuntimeConfigInput } from "./schema.js";
export type { ConfigIssue } from "./issues.js";
