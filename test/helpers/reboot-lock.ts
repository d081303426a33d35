/**
 * What the reboot coordination tests share (behaviour.md §16): a reboot window around now, the
 * reboot config with a lock, a reboot command that writes a marker, and the simulated reboot
 * itself (the booted system becomes the current one, then the agent starts again).
 */
import { access, readFile, realpath, rm, symlink } from "node:fs/promises";
import type { RuntimeConfigInput } from "../../dsl/schema.js";
import type { Machine } from "./daemon.js";

const hhmm = (date: Date) => date.toISOString().slice(11, 16);

/** A window (UTC) open from an hour ago to an hour from now. */
export function openWindow(): { from: string; to: string; timeZone: string } {
  const now = Date.now();
  return { from: hhmm(new Date(now - 3600_000)), to: hhmm(new Date(now + 3600_000)), timeZone: "UTC" };
}

export type Coordination = NonNullable<NonNullable<RuntimeConfigInput["reboot"]>["coordination"]>;

export function etcdCoordination(endpoint: string, extra: Partial<Coordination> = {}): Coordination {
  return { etcd: { endpoints: [endpoint], prefix: "/comin/reboot-lock" }, group: "default", slots: 1, ...extra };
}

/** Policy when-needed inside an open window, the lock, and a command that touches `marker`. */
export function coordinatedReboot(coordination: Coordination, marker: string): RuntimeConfigInput["reboot"] {
  return { policy: "when-needed", windows: [openWindow()], command: ["/usr/bin/touch", marker], coordination };
}

export const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);

/** The machine "came back" in its current system: the booted-system link now points there. */
export async function bootIntoCurrent(machine: Machine): Promise<void> {
  const current = await realpath(machine.paths.currentSystem);
  await rm(machine.paths.bootedSystem, { force: true });
  await symlink(current, machine.paths.bootedSystem);
}

export async function machineIdOf(machine: Machine): Promise<string> {
  return (await readFile(machine.paths.machineIdFile, "utf8")).trim();
}
