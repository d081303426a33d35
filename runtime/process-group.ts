/**
 * Process groups of the children the runner started: tracked so that they die with the agent,
 * probed through /proc, and killed as a whole (SIGTERM, then SIGKILL after a grace period).
 */
import { readdir, readFile } from "node:fs/promises";

/** Process groups still running, killed if this process exits first (detached children survive it otherwise). */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const pgid of liveGroups) signalGroup(pgid, "SIGKILL");
  });
}

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    // ESRCH: the group is gone.
    return false;
  }
}

/**
 * Whether a process of the group is still running. Zombies do not count: killed grandchildren are
 * reparented to init and stay zombies until it reaps them, which some container inits do late.
 */
async function groupRunning(pgid: number): Promise<boolean> {
  if (!signalGroup(pgid, 0)) return false;
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return true; // No /proc (not Linux): the signal probe is all there is.
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      // Fields after the command name (which may contain spaces): state, ppid, pgrp, ...
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) === pgid && state !== "Z" && state !== "X") return true;
    } catch {
      // The process ended while we looked.
    }
  }
  return false;
}

/** SIGTERM the group, then SIGKILL whatever still runs after the grace period. */
export async function killGroup(pgid: number, graceMs: number): Promise<void> {
  if (graceMs <= 0) {
    signalGroup(pgid, "SIGKILL");
    return;
  }
  if (!signalGroup(pgid, "SIGTERM")) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await groupRunning(pgid))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  signalGroup(pgid, "SIGKILL");
}


export function trackGroup(pgid: number): void {
  installExitHook();
  liveGroups.add(pgid);
}

export function forgetGroup(pgid: number): void {
  liveGroups.delete(pgid);
}
