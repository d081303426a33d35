/**
 * What a process costs, read from Linux's /proc: resident memory (`VmRSS` of
 * /proc/<pid>/status) and CPU time (utime+stime of /proc/<pid>/stat, and cutime+cstime for the
 * children it has waited for: git and nix run as children of the agent).
 */
import { readFile } from "node:fs/promises";
import { execa } from "execa";

export interface CpuTimes {
  /** The process itself (utime + stime), in ms. */
  selfMs: number;
  /** Its reaped children (cutime + cstime), in ms. */
  childrenMs: number;
}

export class ProcError extends Error {
  override readonly name = "ProcError";
}

let clockTicks: number | null = null;

/** Kernel clock ticks per second (USER_HZ), the unit of /proc/<pid>/stat times. */
export async function clockTicksPerSecond(): Promise<number> {
  if (clockTicks !== null) return clockTicks;
  const result = await execa("getconf", ["CLK_TCK"], { reject: false, stdin: "ignore" });
  const parsed = Number(String(result.stdout).trim());
  // 100 is USER_HZ on every Linux architecture Nix supports; getconf only confirms it.
  clockTicks = result.exitCode === 0 && Number.isInteger(parsed) && parsed > 0 ? parsed : 100;
  return clockTicks;
}

/** VmRSS of /proc/<pid>/status, in MiB. */
export async function readRssMb(pid: number): Promise<number> {
  return parseRssMb(await readProc(`/proc/${pid}/status`));
}

export function parseRssMb(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new ProcError("no VmRSS line in /proc/<pid>/status (is the process a zombie?)");
  return Number(match[1]) / 1024;
}

export async function readCpuTimes(pid: number): Promise<CpuTimes> {
  return parseCpuTimes(await readProc(`/proc/${pid}/stat`), await clockTicksPerSecond());
}

/**
 * Fields 14-17 of /proc/<pid>/stat. The command name (field 2) may contain spaces and
 * parentheses, so fields are counted from the last ")".
 */
export function parseCpuTimes(stat: string, ticksPerSecond: number): CpuTimes {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).trim().split(/\s+/);
  // fields[0] is field 3 (state): utime is field 14, so fields[11].
  const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((index) => Number(fields[index]));
  if ([utime, stime, cutime, cstime].some((value) => value === undefined || !Number.isFinite(value))) {
    throw new ProcError(`cannot read CPU times from /proc/<pid>/stat: ${JSON.stringify(stat.slice(0, 120))}`);
  }
  const toMs = (ticks: number) => (ticks * 1000) / ticksPerSecond;
  return { selfMs: toMs((utime ?? 0) + (stime ?? 0)), childrenMs: toMs((cutime ?? 0) + (cstime ?? 0)) };
}

async function readProc(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new ProcError(`cannot read ${file}: the process is gone`, { cause: error });
  }
}

export interface ProcessInfo {
  /** One letter: R, S, D, Z (zombie), T (stopped), … */
  state: string;
  ppid: number;
  pgrp: number;
}

/** State, parent pid and process group of `pid`, or null when it is gone. */
export async function readProcessInfo(pid: number): Promise<ProcessInfo | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const [state = "?", ppid, pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state, ppid: Number(ppid), pgrp: Number(pgrp) };
  } catch {
    return null;
  }
}
