/**
 * The reboot lock adapter for `reboot.coordination` (behaviour.md §16), loaded with a dynamic
 * import only when coordination is configured: the default agent never loads this code.
 */
import type { RebootCoordinationConfig } from "../../../dsl/schema.js";
import type { RebootLock } from "../../ports.js";

export async function createRebootLock(coordination: RebootCoordinationConfig): Promise<RebootLock | null> {
  if (!coordination) return null;
  if (coordination.etcd) {
    const { EtcdRebootLock } = await import("./etcd.js");
    return new EtcdRebootLock(coordination.etcd, coordination.group, coordination.slots);
  }
  if (coordination.fleetLock) {
    const { FleetLockRebootLock } = await import("./fleetlock.js");
    return new FleetLockRebootLock(coordination.fleetLock.url, coordination.group);
  }
  return null;
}
