/**
 * NixOS switch inhibitors (nixpkgs `system.switch.inhibitors`): a system lists values whose change
 * makes a live switch unsafe (e.g. the systemd or dbus version). When a key present in both the
 * running and the new system has different values, `switch` becomes `boot` and `test` is skipped.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Operation } from "../types.js";

export type Inhibitors = Record<string, unknown>;

/** `<system>/switch-inhibitors`; a missing or invalid file counts as empty. */
export async function readInhibitors(system: string): Promise<Inhibitors> {
  try {
    const data: unknown = JSON.parse(await readFile(path.join(system, "switch-inhibitors"), "utf8"));
    return typeof data === "object" && data !== null && !Array.isArray(data) ? (data as Inhibitors) : {};
  } catch {
    return {};
  }
}

/** Keys present in both maps with different values, sorted. */
export function changedInhibitors(current: Inhibitors, next: Inhibitors): string[] {
  return Object.keys(next)
    .filter((key) => Object.hasOwn(current, key) && JSON.stringify(current[key]) !== JSON.stringify(next[key]))
    .sort();
}

/** The operation to run (null: skip) and why it differs from the one asked for. */
export function applyInhibitors(operation: Operation, changed: string[]): { operation: Operation | null; reason: string | null } {
  if (changed.length === 0 || operation === "boot") return { operation, reason: null };
  const keys = changed.join(", ");
  return operation === "switch"
    ? { operation: "boot", reason: `switch inhibitors changed (${keys}): using "boot" instead of "switch", the change applies at the next reboot` }
    : { operation: null, reason: `switch inhibitors changed (${keys}): "test" is not possible, the deployment is skipped` };
}
