/**
 * Which history entries (and which profile links) to keep (behaviour.md §9). Pure.
 * Entries are stored oldest first; the newest of each category wins.
 */
import { isDeployment, isReboot, type DeploymentRecord, type HistoryEntry } from "../types.js";
import { MAX_REBOOT_ENTRIES } from "./state.js";

export interface RetentionLimits {
  bootEntries: number;
  successful: number;
  any: number;
}

export interface RetentionResult {
  kept: HistoryEntry[];
  /** Profile links of the retained boot entries, the booted and the current deployment. */
  keepProfileLinks: string[];
}

const isBootEntry = (d: DeploymentRecord) => d.status === "done" && (d.operation === "switch" || d.operation === "boot");

export function applyRetention(entries: readonly HistoryEntry[], limits: RetentionLimits, bootedOutPath: string | null): RetentionResult {
  const newestFirst = [...entries].reverse();
  const deployments = newestFirst.filter(isDeployment);
  const keep = new Set<HistoryEntry>();
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
  deployments.filter((d) => d.status === "running").forEach((d) => keep.add(d));
  newestFirst.filter(isReboot).slice(0, MAX_REBOOT_ENTRIES).forEach((d) => keep.add(d));

  return {
    kept: entries.filter((d) => keep.has(d)),
    keepProfileLinks: [...links].map((d) => d.profilePath).filter((p): p is string => p !== null),
  };
}
