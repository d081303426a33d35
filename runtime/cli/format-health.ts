/**
 * The health part of `comin status` for people (behaviour.md §14): each check's last result, a
 * rollback, the quarantine and the verification after a reboot, in plain words.
 */
import type { DeploymentRecord, StatusJson } from "../types.js";
import { formatRelative, shortSha } from "./format-time.js";

const HEALTH_WORDS: Record<DeploymentRecord["health"]["status"], string> = {
  pending: "not checked yet",
  running: "checking",
  passed: "passed",
  failed: "failed",
  skipped: "not checked",
};

/** "health  passed (web ok: HTTP 200)", "rollback  done (health) to /nix/store/…". */
export function healthRows(deployment: DeploymentRecord): [string, string | null][] {
  const rows: [string, string | null][] = [];
  if (deployment.health.status !== "skipped") {
    const checks = deployment.health.checks.map((c) => `${c.name} ${c.ok === null ? "not run yet" : c.ok ? "ok" : "FAILED"}${c.detail ? `: ${c.detail}` : ""}`);
    rows.push(["health", `${HEALTH_WORDS[deployment.health.status]}${checks.length ? ` (${checks.join("; ")})` : ""}`]);
  }
  const rollback = deployment.rollback;
  if (rollback) {
    const words = rollback.status === "running" ? "rolling back" : rollback.status === "done" ? "rolled back" : "ROLLBACK FAILED";
    rows.push(["rollback", `${words} (${rollback.trigger}) to ${rollback.to ?? "an unknown system"}${rollback.error ? `: ${rollback.error}` : ""}`]);
  }
  return rows;
}

/** The quarantine and the boot verification, as status sections. */
export function quarantineLines(status: StatusJson, now: Date): string[] {
  const out: string[] = [];
  if (status.bootVerification) {
    const boot = status.bootVerification;
    out.push("", `After the last reboot: ${boot.status === "running" ? "verifying" : boot.status} ${boot.outPath}${boot.finishedAt ? ` (${formatRelative(boot.finishedAt, now)})` : ""}`);
  }
  if (status.quarantine.length === 0) return out;
  out.push("", "Quarantine");
  for (const entry of status.quarantine) {
    out.push(`  commit ${shortSha(entry.commit)} is quarantined since ${formatRelative(entry.at, now)}: ${entry.reason}`);
    if (entry.outPath) out.push(`    system ${entry.outPath}`);
  }
  out.push("  (lift with `comin quarantine clear COMMIT` or `--all`)");
  return out;
}
