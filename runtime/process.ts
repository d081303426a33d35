/**
 * The one place that runs the long stages' child processes (nix, switch-to-configuration, hooks).
 *
 * Each child gets its own process group, because nix and switch-to-configuration spawn
 * grandchildren (builders, systemctl, activation scripts): killing only the direct child would
 * leave them running, holding store locks or the output pipes. On timeout or cancel the whole
 * group gets SIGTERM, then SIGKILL after a grace period. execa's own `timeout` and `cancelSignal`
 * only signal the direct child, so both are implemented here on the group.
 */
import { readdir, readFile } from "node:fs/promises";
import { execa } from "execa";
import { formatDuration } from "../dsl/duration.js";
import { StageError } from "./errors.js";

export interface RunOptions {
  cwd?: string;
  /** Added to this process's environment. */
  env?: Record<string, string>;
  timeoutSec: number;
  signal?: AbortSignal;
  /** Called for every output line, as it arrives. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  stdin?: "ignore";
  /** What runs, for messages: "evaluation" gives "evaluation timed out after 30m". */
  what: string;
  /**
   * Time between SIGTERM and SIGKILL of the process group.
   * @default 5
   */
  killGraceSec?: number;
}

/** stderr kept for error messages and the result: nix build logs can be huge. */
const STDERR_TAIL_LINES = 400;
/** stderr lines quoted in a failure message. */
const MESSAGE_LINES = 15;

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
async function killGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, "SIGTERM")) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await groupRunning(pgid))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  signalGroup(pgid, "SIGKILL");
}

/** Lines before nix's error line kept in a message: Nix 2.8 prints the builder's log there. */
const CONTEXT_LINES = 5;

/** The part of stderr worth quoting: nix's last "error:" line, a few lines around it; else the last lines. */
export function stderrExcerpt(lines: readonly string[]): string {
  const meaningful = lines.filter((line) => line.trim() !== "");
  let errorLine = -1;
  for (let i = meaningful.length - 1; i >= 0; i--) {
    if (/^error\b/.test(meaningful[i] ?? "")) {
      errorLine = i;
      break;
    }
  }
  const from = errorLine >= 0 ? Math.max(0, errorLine - CONTEXT_LINES) : Math.max(0, meaningful.length - MESSAGE_LINES);
  return meaningful.slice(from, from + MESSAGE_LINES).join("\n");
}

/**
 * Runs `file args` (no shell) and returns its output. Throws a StageError: kind "timeout"
 * ("<what> timed out after 30m"), "cancelled" ("<what> was cancelled"), or "failed" (exit code or
 * signal, and the end of stderr). `stderr` in the result is its last lines only.
 */
export async function runStage(file: string, args: string[], options: RunOptions): Promise<{ stdout: string; stderr: string }> {
  const { what, signal, onLine } = options;
  if (signal?.aborted) throw new StageError("cancelled", `${what} was cancelled`, { cause: signal.reason });

  const tail: string[] = [];
  const notify = (line: string, stream: "stdout" | "stderr") => {
    if (!onLine) return;
    try {
      onLine(line, stream);
    } catch {
      // A listener's bug must not break the child's output stream.
    }
  };

  const child = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: true,
    stdin: "ignore",
    detached: true,
    reject: false,
    // Line transforms (execa splits the output into lines): stdout is kept whole (nix eval's JSON),
    // stderr only as its last lines.
    stdout: function* (line: unknown) {
      notify(String(line), "stdout");
      yield line;
    },
    stderr: function* (line: unknown) {
      notify(String(line), "stderr");
      tail.push(String(line));
      if (tail.length > STDERR_TAIL_LINES) tail.shift();
    },
  });

  const pgid = child.pid;
  if (pgid !== undefined) {
    installExitHook();
    liveGroups.add(pgid);
  }
  const graceMs = (options.killGraceSec ?? 5) * 1000;
  let stoppedBy: "timeout" | "cancelled" | null = null;
  let killing: Promise<void> = Promise.resolve();
  const stop = (reason: "timeout" | "cancelled") => {
    if (stoppedBy !== null || pgid === undefined) return;
    stoppedBy = reason;
    killing = killGroup(pgid, graceMs);
  };
  // setTimeout fires at once beyond 2^31-1 ms (24.8 days): clamp rather than kill at once.
  const timer = setTimeout(() => stop("timeout"), Math.min(options.timeoutSec * 1000, 2 ** 31 - 1));
  const onAbort = () => stop("cancelled");
  signal?.addEventListener("abort", onAbort, { once: true });

  try {
    const result = await child;
    // The direct child may be gone while a grandchild still ignores SIGTERM: finish the kill.
    await killing;
    const stderr = tail.join("\n");
    if (stoppedBy === "timeout") {
      throw new StageError("timeout", `${what} timed out after ${formatDuration(options.timeoutSec)}`);
    }
    if (stoppedBy === "cancelled") {
      throw new StageError("cancelled", `${what} was cancelled`, { cause: signal?.reason });
    }
    if (result.exitCode === 0 && !result.failed) return { stdout: result.stdout, stderr };
    const excerpt = stderrExcerpt(tail);
    const how =
      result.exitCode !== undefined
        ? `exit code ${result.exitCode}`
        : result.signal !== undefined
          ? `signal ${result.signal}`
          : `cannot run ${file}${result.code ? ` (${result.code})` : ""}`;
    throw new StageError("failed", `${what} failed (${how})${excerpt ? `: ${excerpt}` : ""}`, { cause: result });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
    if (pgid !== undefined) liveGroups.delete(pgid);
  }
}
