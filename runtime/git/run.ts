/**
 * The runtime's git route: every git command goes through `runGit`, on the one process runner
 * (../process.ts). No shell ever; hooks disabled and the
 * invoking user's global config ignored on every call; configuration passed through the
 * environment (GIT_CONFIG_COUNT) so that it also reaches git's own children (upload-pack,
 * remote helpers). A timeout or an abort kills git's whole process group: git spawns ssh and
 * git-remote-https, which would otherwise keep a hung connection open after git itself died.
 */
import { runProcess } from "../process.js";
import { scrubCredentials, stderrSummary } from "./scrub.js";

export type GitErrorKind = "failed" | "timeout" | "cancelled";

/** A git command that failed, timed out or was cancelled. The message never holds credentials. */
export class GitError extends Error {
  override readonly name = "GitError";
  constructor(
    readonly kind: GitErrorKind,
    message: string,
    /** git's exit code, or null when it was killed (or never started). */
    readonly exitCode: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Always applied. `credential.helper=` (empty) drops helpers that could store our token on disk. */
const BASE_CONFIG: Readonly<Record<string, string>> = {
  "core.hooksPath": "/dev/null",
  "core.fsmonitor": "false",
  "credential.helper": "",
  "protocol.ext.allow": "never",
  "log.showSignature": "false",
};

/** Inherited GIT_* variables kept: system-level choices of the service, not of a caller's repo. */
const KEPT_GIT_VARIABLES = /^GIT_(SSL_.*|CONFIG_SYSTEM|CONFIG_NOSYSTEM|EXEC_PATH|HTTP_PROXY_AUTHMETHOD)$/;

export interface GitRunOptions {
  /** Working directory; with `gitDir`, also the repository (no discovery upwards). */
  cwd: string;
  /** Sets GIT_DIR, so that git never discovers an enclosing repository. */
  gitDir?: string;
  config?: Readonly<Record<string, string>>;
  env?: Readonly<Record<string, string>>;
  /** File used as the global config instead of /dev/null. */
  globalConfigFile?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Exit codes that are answers rather than failures (1 for `merge-base --is-ancestor`). */
  okExitCodes?: readonly number[];
  /** Values that must never appear in an error message (tokens). */
  secrets?: readonly string[];
  /** Names the command in errors, e.g. "git fetch origin". Defaults to "git <subcommand>". */
  what?: string;
  /** Keep stdout byte-for-byte (commit messages). */
  keepFinalNewline?: boolean;
  input?: string;
  /** Reads at most this many bytes of stdout: past it git is killed and `truncated` is set. */
  maxStdoutBytes?: number;
}

export interface GitResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Stdout reached `maxStdoutBytes`: git was killed and stdout is its first bytes. */
  truncated?: boolean;
}

export function gitEnvironment(options: Pick<GitRunOptions, "config" | "env" | "gitDir" | "globalConfigFile">): Record<string, string> {
  const env: Record<string, string> = {};
  // Runs for every git process (several per poll): no entry arrays for the whole environment.
  const inherited = process.env;
  for (const key in inherited) {
    const value = inherited[key];
    if (value === undefined) continue;
    if (key.startsWith("GIT_") && !KEPT_GIT_VARIABLES.test(key)) continue;
    if (key === "SSH_ASKPASS") continue;
    env[key] = value;
  }
  const config = { ...BASE_CONFIG, ...options.config };
  const entries = Object.entries(config);
  entries.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  env.GIT_CONFIG_COUNT = String(entries.length);
  env.GIT_CONFIG_GLOBAL = options.globalConfigFile ?? "/dev/null";
  env.GIT_TERMINAL_PROMPT = "0";
  // Stable English messages for error summaries; refnames are bytes and unaffected.
  env.LC_ALL = "C";
  if (options.gitDir !== undefined) env.GIT_DIR = options.gitDir;
  return { ...env, ...options.env };
}

export async function runGit(args: readonly string[], options: GitRunOptions): Promise<GitResult> {
  const what = options.what ?? `git ${args[0] ?? ""}`;
  const secrets = options.secrets ?? [];
  if (options.signal?.aborted) throw new GitError("cancelled", `${what} was cancelled`, null);

  const result = await runProcess("git", args, {
    cwd: options.cwd,
    env: gitEnvironment(options),
    replaceEnv: true,
    // git holds no store locks: a stopped git (and its ssh) is killed at once.
    killGraceMs: 0,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.input === undefined ? {} : { input: options.input }),
    ...(options.keepFinalNewline ? { keepFinalNewline: true } : {}),
    ...(options.maxStdoutBytes === undefined ? {} : { maxStdoutBytes: options.maxStdoutBytes }),
  });

  const stderr = scrubCredentials(result.stderrLines.join("\n"), secrets);
  const details = new Error(`${what}: exit code ${String(result.exitCode)}, signal ${String(result.signal)}: ${stderr}`);
  if (result.stoppedBy === "timeout") throw new GitError("timeout", `${what} timed out after ${formatSeconds(options.timeoutMs ?? 0)}`, null, { cause: details });
  if (result.stoppedBy === "cancelled") throw new GitError("cancelled", `${what} was cancelled`, null, { cause: details });
  if (result.stoppedBy === "output-limit") return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr, truncated: true };
  if (result.exitCode === null) {
    const reason = result.signal ? `was killed by ${result.signal}` : `could not run (${scrubCredentials(result.spawnError?.message ?? "", secrets)})`;
    throw new GitError("failed", `${what} ${reason}`, null, { cause: details });
  }
  const okExitCodes = options.okExitCodes ?? [0];
  if (!okExitCodes.includes(result.exitCode)) {
    const summary = stderrSummary(stderr);
    throw new GitError("failed", `${what} failed${summary ? `: ${summary}` : ` with exit code ${result.exitCode}`}`, result.exitCode, {
      cause: details,
    });
  }
  return { exitCode: result.exitCode, stdout: result.stdout, stderr };
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return Number.isInteger(seconds) ? `${seconds}s` : `${seconds.toFixed(1)}s`;
}
