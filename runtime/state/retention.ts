/**
 * Which deployment records (and which profile links) to keep (behaviour.md §9). Pure.
 * Records are stored oldest first; the newest of each category wins.
 */
import type { DeploymentRecord } from "../types.js";

export interface RetentionLimits {
  bootEntries: number;
  successful: number;
  any: number;
}

export interface RetentionResult {
  kept: DeploymentRecord[];
  /** Profile links of the retained boot entries, the booted and the current deployment. */
  keepProfileLinks: string[];
}

const MAX_REBOOT_RECORDS = 10;

const isBootEntry = (d: DeploymentRecord) => d.kind === "deployment" && d.status === "done" && (d.operation === "switch" || d.operation === "boot");

export function applyRetention(records: readonly DeploymentRecord[], limits: RetentionLimits, bootedOutPath: string | null): RetentionResult {
  const newestFirst = [...records].reverse();
  const deployments = newestFirst.filter((d) => d.kind === "deployment");
  const keep = new Set<DeploymentRecord>();
  const links = new Set<DeploymentRecord>();

  const current = deployments.find((d) => d.status === "done");
  if (current) {
    keep.add(current);
    links.add(current);
  }
  const booted = bootedOutPath ? deployments.find((d) => isBootEntry(d) && d.outPath === bootedOutPath) : undefined;
  if (booted) {
    keep.add(booted);
    links.add(booted);
  }
  const seenOutPaths = new Set<string>();
  for (const d of deployments) {
    if (!isBootEntry(d) || d.outPath === null) continue;
    if (!seenOutPaths.has(d.outPath)) {
      if (seenOutPaths.size >= limits.bootEntries) break;
      seenOutPaths.add(d.outPath);
      keep.add(d);
      links.add(d);
    }
  }
  deployments.filter((d) => d.status === "done").slice(0, limits.successful).forEach((d) => keep.add(d));
  deployments.slice(0, limits.any).forEach((d) => keep.add(d));
  deployments.filter((d) => d.status === "init" || d.status === "running").forEach((d) => keep.add(d));
  newestFirst.filter((d) => d.kind === "reboot").slice(0, MAX_REBOOT_RECORDS).forEach((d) => keep.add(d));

  return {
    kept: records.filter((d) => keep.has(d)),
    keepProfileLinks: [...links].map((d) => d.profilePath).filter((p): p is string => p !== null),
  };
}
