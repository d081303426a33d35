/**
 * Fingerprint of the agent's own systemd unit, taken before and after an activation: when it
 * changed, the agent exits after recording so that systemd restarts it with the new unit (the
 * NixOS module sets `restartIfChanged = false`, so the switch itself does not restart it).
 */
import { createHash } from "node:crypto";
import { runStage } from "../process.js";

/** sha256 of `systemctl cat <unit>`, or null when there is no systemd or no such unit. */
export async function unitFingerprint(unit: string | null): Promise<string | null> {
  if (unit === null) return null;
  try {
    const { stdout } = await runStage("systemctl", ["cat", "--", unit], { timeoutSec: 30, what: "systemctl cat" });
    return createHash("sha256").update(stdout).digest("hex");
  } catch {
    return null;
  }
}

/** Changed only when both fingerprints exist: an unreadable unit never triggers a restart. */
export function unitChanged(before: string | null, after: string | null): boolean {
  return before !== null && after !== null && before !== after;
}
