/** Reading the deployment history (oldest first): the latest deployment, the current one. */
import { isDeployment, type DeploymentRecord, type HistoryEntry } from "./types.js";

function latestWhere(entries: readonly HistoryEntry[], accept: (d: DeploymentRecord) => boolean): DeploymentRecord | null {
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i];
    if (entry && isDeployment(entry) && accept(entry)) return entry;
  }
  return null;
}

/** The current deployment (§9): the latest one with status `done`. */
export function currentDeployment(entries: readonly HistoryEntry[]): DeploymentRecord | null {
  return latestWhere(entries, (d) => d.status === "done");
}

/** The latest deployment of any status (what `status.deployment` shows); reboots aside. */
export function latestDeployment(entries: readonly HistoryEntry[]): DeploymentRecord | null {
  return latestWhere(entries, () => true);
}
