/**
 * `comin reboot-lock status [--json]` and `comin reboot-lock release [--id ID]` (behaviour.md §16):
 * the fleet's reboot lock as its service sees it now, and giving a slot back by hand (the way out
 * when a machine came back unhealthy and keeps its slot).
 */
import type { Command } from "commander";
import type { RebootLockStatus } from "../types.js";
import { clientAction, EXIT_FAILED, json, withConnectionOptions, type ClientIo, type ConnectionOptions } from "./client.js";

const NOT_CONFIGURED = "reboot coordination is not configured (reboot.coordination is null)";

export function formatRebootLock(lock: RebootLockStatus): string {
  const lines = [
    `Reboot lock (${lock.backend === "etcd" ? "etcd" : "FleetLock"}), group ${lock.group}`,
    `  slots    ${lock.slots === null ? "set on the FleetLock server" : lock.slots}`,
    `  holders  ${lock.holders.length > 0 ? lock.holders.join(", ") : lock.backend === "fleetLock" && !lock.held ? "not listed by FleetLock" : "none"}`,
    `  this machine ${lock.held ? "holds a slot" : "holds no slot"}`,
  ];
  if (lock.error) lines.push(`  error    ${lock.error}`);
  return `${lines.join("\n")}\n`;
}

export function registerRebootLockCommands(program: Command, io: ClientIo): void {
  const rebootLock = program.command("reboot-lock").description("the fleet's reboot lock (reboot.coordination)");
  withConnectionOptions(rebootLock.command("status").description("group, slots and holders of the reboot lock").option("--json", "print JSON")).action(
    clientAction<ConnectionOptions & { json?: boolean }>(io, async (client, options) => {
      const lock = await client.rebootLock();
      if (options.json) {
        io.stdout(json(lock));
        return lock === null ? EXIT_FAILED : 0;
      }
      if (!lock) {
        io.stderr(`comin: ${NOT_CONFIGURED}\n`);
        return EXIT_FAILED;
      }
      io.stdout(formatRebootLock(lock));
      return lock.error ? EXIT_FAILED : 0;
    }),
  );
  withConnectionOptions(
    rebootLock
      .command("release")
      .description("give a slot back: this machine's, or another holder's with --id")
      .option("--id <id>", "the holder whose slot to give back (a machine id); default: this machine"),
  ).action(
    clientAction<ConnectionOptions & { id?: string }>(io, async (client, options) => {
      const result = await client.releaseRebootLock(options.id);
      io.stdout(result.released ? `Released the slot of ${result.id} (group ${result.lock.group}).\n` : `${result.id} held no slot in group ${result.lock.group}: nothing to release.\n`);
      return 0;
    }),
  );
}
