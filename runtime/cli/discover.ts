/**
 * Where the CLI finds the daemon: `--socket`, else the `paths.socket` of the resolved JSON given
 * with `--config`, else the default state directory's socket (interfaces.md §4).
 */
import { loadRuntimeConfig } from "../config.js";

export const DEFAULT_SOCKET = "/var/lib/comin/comin.sock";

/** Throws the ConfigError of runtime/config.ts when `--config` is unreadable or invalid. */
export async function discoverSocket(options: { socket?: string; config?: string }): Promise<string> {
  if (options.socket) return options.socket;
  if (options.config) {
    const config = await loadRuntimeConfig(options.config);
    // parseRuntimeConfig fills paths.socket from stateDir when it is null.
    return config.paths.socket ?? `${config.stateDir}/comin.sock`;
  }
  return DEFAULT_SOCKET;
}
