/**
 * Where the CLI finds the daemon: `--socket`, else the `paths.socket` of the resolved JSON given
 * with `--config`, else of the one in `COMIN_CONFIG`, else of the one the NixOS module installs
 * at /etc/comin/config.json (so that `comin status` works on a machine without flags), else the
 * default state directory's socket (interfaces.md §4, issue 14.9).
 */
import { access } from "node:fs/promises";
import { loadRuntimeConfig } from "../config.js";

export const DEFAULT_SOCKET = "/var/lib/comin/comin.sock";
/** Written by nix/module.nix (`environment.etc."comin/config.json"`): the service's own config. */
export const INSTALLED_CONFIG = "/etc/comin/config.json";

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Throws the ConfigError of runtime/config.ts when the configuration found is unreadable or invalid. */
export async function discoverSocket(
  options: { socket?: string; config?: string },
  env: NodeJS.ProcessEnv = process.env,
  installed: string = INSTALLED_CONFIG,
): Promise<string> {
  if (options.socket) return options.socket;
  const configFile = options.config ?? (env.COMIN_CONFIG || ((await exists(installed)) ? installed : undefined));
  if (configFile) {
    const config = await loadRuntimeConfig(configFile);
    // parseRuntimeConfig fills paths.socket from stateDir when it is null.
    return config.paths.socket ?? `${config.stateDir}/comin.sock`;
  }
  return DEFAULT_SOCKET;
}
