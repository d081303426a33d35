/**
 * The runtime's one process runner: every child process of the agent (git, nix, gpg, systemctl,
 * switch-to-configuration, the reboot and post-deployment commands) starts here, without a shell.
 *
 * Each child gets its own process group, because nix, git and switch-to-configuration spawn
 * grandchildren (builders, ssh, activation scripts): killing only the direct child would leave
 * them running, holding store locks, connections or the output pipes. On timeout or cancel the
 * whole group gets SIGTERM, then SIGKILL after a grace period (0: at once). Built on
 * `child_process.spawn` directly: the hot path (git on every poll) pays for nothing it does not use.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { formatDuration } from "../dsl/duration.js";
import { StageError } from "./errors.js";
import { forgetGroup, killGroup, trackGroup } from "./process-group.js";

export interface ProcessOptions {
  cwd?: string;
  /** Added to this process's environment (or the whole environment with `replaceEnv`). */
  env?: Readonly<Record<string, string>>;
  replaceEnv?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Written to stdin; without it stdin is /dev/null. */
  input?: string;
  /** Called for every output line, as it arrives. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** Time between SIGTERM and SIGKILL of the group. @default 5000 */
  killGraceMs?: number;
  /** Keep stdout's final newline (commit messages are bytes). @default false */
  keepFinalNewline?: boolean;
  /** stderr lines kept (nix build logs can be huge). @default 400 */
  stderrTailLines?: number;
  /**
   * Stdout kept, in bytes: past it the child's group is killed at once and the result says
   * `stoppedBy: "output-limit"` (a reader that needs only the start of a possibly huge output).
   * @default 64 MiB, then the rest is dropped and the child runs on
   */
  maxStdoutBytes?: number;
}

export interface ProcessResult {
  /** null when the child was killed or never started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** The last lines of stderr. */
  stderrLines: string[];
  /** Set when the runner stopped the child. */
  stoppedBy: "timeout" | "cancelled" | "output-limit" | null;
  /** Set when the child could not be started (ENOENT, EACCES). */
  spawnError: NodeJS.ErrnoException | null;
}

const MAX_STDOUT_BYTES = 64 * 1024 * 1024;
/** After the child exits, how long its pipes may stay open (a grandchild outside the group). */
const CLOSE_WAIT_MS = 5000;

/** Splits a stream into lines as it arrives (`\n` or `\r\n`). */
function lineSplitter(emit: (line: string) => void): { push(chunk: string): void; end(): void } {
  let rest = "";
  return {
    push(chunk) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      for (const part of parts) emit(part.endsWith("\r") ? part.slice(0, -1) : part);
    },
    end() {
      if (rest !== "") emit(rest);
      rest = "";
    },
  };
}

/** Collects stdout (bounded), the tail of stderr, and streams both line by line to `onLine`. */
function collectOutput(child: ChildProcess, options: ProcessOptions, result: ProcessResult, onLimit: () => void): { end(): string } {
  const tailLimit = options.stderrTailLines ?? 400;
  const notify = (line: string, stream: "stdout" | "stderr") => {
    try {
      options.onLine?.(line, stream);
    } catch {
      // A listener's bug must not break the child's output stream.
    }
  };
  const stdoutChunks: Buffer[] = [];
  let stdoutBytes = 0;
  const stdoutLines = lineSplitter((line) => notify(line, "stdout"));
  const stderrLines = lineSplitter((line) => {
    notify(line, "stderr");
    result.stderrLines.push(line);
    if (result.stderrLines.length > tailLimit) result.stderrLines.shift();
  });
  const limit = options.maxStdoutBytes;
  child.stdout?.on("data", (chunk: Buffer) => {
    if (limit !== undefined && stdoutBytes + chunk.length > limit) {
      if (stdoutBytes < limit) stdoutChunks.push(chunk.subarray(0, limit - stdoutBytes));
      stdoutBytes = limit;
      onLimit();
      return;
    }
    if (stdoutBytes < MAX_STDOUT_BYTES) stdoutChunks.push(chunk);
    stdoutBytes += chunk.length;
    if (options.onLine) stdoutLines.push(chunk.toString("utf8"));
  });
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => stderrLines.push(chunk));
  return {
    end() {
      stdoutLines.end();
      stderrLines.end();
      return Buffer.concat(stdoutChunks).toString("utf8");
    },
  };
}

/** Runs `file args` and reports how it ended; never rejects. */
export function runProcess(file: string, args: readonly string[], options: ProcessOptions = {}): Promise<ProcessResult> {
  const result: ProcessResult = { exitCode: null, signal: null, stdout: "", stderrLines: [], stoppedBy: null, spawnError: null };
  if (options.signal?.aborted) return Promise.resolve({ ...result, stoppedBy: "cancelled" });
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.replaceEnv ? { ...options.env } : { ...process.env, ...options.env },
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      detached: true,
    });
    const pgid = child.pid;
    if (pgid !== undefined) trackGroup(pgid);
    const output = collectOutput(child, options, result, () => stop("output-limit"));
    if (options.input !== undefined) {
      child.stdin?.on("error", () => {
        // EPIPE: the child did not read its input; its exit status tells the rest.
      });
      child.stdin?.end(options.input);
    }

    let killing: Promise<void> = Promise.resolve();
    function stop(reason: "timeout" | "cancelled" | "output-limit"): void {
      if (result.stoppedBy !== null || pgid === undefined) return;
      result.stoppedBy = reason;
      killing = killGroup(pgid, reason === "output-limit" ? 0 : (options.killGraceMs ?? 5000));
    }
    // setTimeout fires at once beyond 2^31-1 ms (24.8 days): clamp rather than kill at once.
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => stop("timeout"), Math.min(options.timeoutMs, 2 ** 31 - 1));
    const onAbort = () => stop("cancelled");
    options.signal?.addEventListener("abort", onAbort, { once: true });

    let settled = false;
    const finish = async () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      // The direct child may be gone while a grandchild still ignores SIGTERM: finish the kill.
      await killing;
      if (pgid !== undefined) forgetGroup(pgid);
      const stdout = output.end();
      result.stdout = options.keepFinalNewline ? stdout : stdout.replace(/\r?\n$/, "");
      resolve(result);
    };
    child.on("error", (error: NodeJS.ErrnoException) => {
      result.spawnError = error;
      void finish();
    });
    child.on("exit", (code, signal) => {
      result.exitCode = code;
      result.signal = signal;
      // Wait for the pipes to drain, but not for a grandchild that escaped the group and keeps them open.
      const late = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        void finish();
      }, CLOSE_WAIT_MS);
      late.unref();
      child.once("close", () => {
        clearTimeout(late);
        void finish();
      });
    });
  });
}

export interface RunOptions extends Omit<ProcessOptions, "timeoutMs" | "killGraceMs"> {
  timeoutSec: number;
  /** What runs, for messages: "evaluation" gives "evaluation timed out after 30m". */
  what: string;
  /** Time between SIGTERM and SIGKILL of the process group. @default 5 */
  killGraceSec?: number;
}

/** stderr lines quoted in a failure message. */
const MESSAGE_LINES = 15;
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
 * Runs a stage's command and returns its output. Throws a StageError: kind "timeout" ("<what>
 * timed out after 30m"), "cancelled" ("<what> was cancelled"), or "failed" (exit code or signal,
 * and the end of stderr). `stderr` in the result is its last lines only.
 */
export async function runStage(file: string, args: readonly string[], options: RunOptions): Promise<{ stdout: string; stderr: string }> {
  const { what, timeoutSec, killGraceSec, ...rest } = options;
  if (options.signal?.aborted) throw new StageError("cancelled", `${what} was cancelled`, { cause: options.signal.reason });
  const result = await runProcess(file, args, { ...rest, timeoutMs: timeoutSec * 1000, killGraceMs: (killGraceSec ?? 5) * 1000 });
  const stderr = result.stderrLines.join("\n");
  if (result.stoppedBy === "timeout") throw new StageError("timeout", `${what} timed out after ${formatDuration(timeoutSec)}`);
  if (result.stoppedBy === "cancelled") throw new StageError("cancelled", `${what} was cancelled`, { cause: options.signal?.reason });
  if (result.exitCode === 0) return { stdout: result.stdout, stderr };
  const excerpt = stderrExcerpt(result.stderrLines);
  const how =
    result.spawnError !== null
      ? `cannot run ${file} (${result.spawnError.code ?? result.spawnError.message})`
      : result.exitCode !== null
        ? `exit code ${result.exitCode}`
        : `signal ${result.signal ?? "?"}`;
  throw new StageError("failed", `${what} failed (${how})${excerpt ? `: ${excerpt}` : ""}`, { cause: result });
}
