/**
 * kill -9 of an agent as a crash really happens: the daemon is frozen (SIGSTOP, so it starts
 * nothing more), its whole process tree is read from /proc, then the daemon and every descendant
 * (and the process group each child leads: the runtime starts git, nix and
 * switch-to-configuration in their own groups) get SIGKILL, as systemd does to a crashed unit's
 * cgroup before restarting it. Only processes of that tree are ever signalled.
 */
import { readdir } from "node:fs/promises";
import { readProcessInfo } from "./proc.js";

/** Pids of the direct children of `parent`. */
export async function children(parent: number): Promise<number[]> {
  return (await childMap()).get(parent) ?? [];
}

/** Pids of every descendant of `root` (not `root` itself). */
export async function descendants(root: number): Promise<number[]> {
  const children = await childMap();
  const found: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

async function childMap(): Promise<Map<number, number[]>> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const info = await readProcessInfo(Number(entry));
    if (info === null) continue;
    const siblings = children.get(info.ppid) ?? [];
    siblings.push(Number(entry));
    children.set(info.ppid, siblings);
  }
  return children;
}

function signal(target: number, name: NodeJS.Signals): void {
  try {
    process.kill(target, name);
  } catch {
    // Already gone.
  }
}

/** Running or sleeping: a zombie holds nothing but its pid (whoever adopted it reaps it). */
async function alive(pid: number): Promise<boolean> {
  const info = await readProcessInfo(pid);
  return info !== null && info.state !== "Z" && info.state !== "X";
}

/**
 * SIGKILLs `pid` and its descendants; resolves when none of them is left (or throws after
 * `timeoutMs`). Returns how many descendants were killed.
 */
export async function killTree(pid: number, timeoutMs = 10_000): Promise<number> {
  signal(pid, "SIGSTOP");
  const tree = await descendants(pid);
  const ownGroup = (await readProcessInfo(process.pid))?.pgrp ?? -1;
  signal(pid, "SIGKILL");
  for (const child of tree) {
    const info = await readProcessInfo(child);
    // A group led by the descendant itself is the runtime's detached child and its own children.
    if (info && info.pgrp === child && info.pgrp !== ownGroup) signal(-info.pgrp, "SIGKILL");
    signal(child, "SIGKILL");
  }
  const deadline = Date.now() + timeoutMs;
  for (const target of [...tree]) {
    while (await alive(target)) {
      if (Date.now() > deadline) throw new Error(`process ${target} of the killed agent's tree is still there after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  return tree.length;
}
