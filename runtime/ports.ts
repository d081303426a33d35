/**
 * The agent's ports: every effect the deploy loop has goes through one of these interfaces. The
 * composition root (daemon.ts) plugs in the real adapters (git, Nix, the machine); tests and the
 * benchmarks may plug in others. The planner and the agent never reach the system directly.
 */
import type { SelectionResult } from "./selection.js";
import type { BranchStatuses, State } from "./state/state.js";
import type { ActivationResult } from "./deploy/deployer.js";
import type { RebootDetection } from "./reboot/detect.js";
import type { HealthConfig } from "../dsl/schema.js";
import type { Candidate, DeploymentRecord, FetchOutcome, GenerationRecord, GenerationSource, HealthCheckResult, Operation } from "./types.js";

/** Wall clock and timers. */
export interface Clock {
  now(): Date;
  /** Calls `fn` after `ms` (unref'd: a timer never keeps the process alive). */
  setTimer(ms: number, fn: () => void): Timer;
}

export interface Timer {
  cancel(): void;
}

/** Where commits come from: fetch rounds of the remotes, and the selection over their refs. */
export interface Source {
  /** Starts polling (the first round runs at once); `onFetched` runs after each round. */
  start(onFetched: (outcomes: FetchOutcome[]) => Promise<void>): void;
  stop(): Promise<void>;
  /** Fetches now (all remotes when undefined); resolves with that round's outcomes. */
  request(remotes?: string[]): Promise<FetchOutcome[]>;
  readonly fetching: boolean;
  /** Reads the fetched refs and selects a candidate (§3, with the signature gate of §4). */
  select(args: { fetchOk: Record<string, boolean>; baseline: string | null; previous: Candidate | null; previousBranches: BranchStatuses }): Promise<SelectionResult>;
}

/** What a generation resolves to before anything is built (§5, §6). */
export interface Resolution {
  drvPath: string | null;
  outPath: string;
  /** `services.comin.machineId`, null when unset. */
  machineId: string | null;
  /** COMIN_FLAKE_URL; null when not evaluated from a flake. */
  flakeUrl: string | null;
  /** Evaluated here, or read from a published manifest (§15). @default "local" */
  source?: GenerationSource;
  /** Why a published system was not used (§15, `missing: "evaluate"`); null when none was looked for or it was used. */
  prebuiltMiss?: string | null;
}

export interface StageIo {
  signal: AbortSignal;
  /** Log lines of the child processes, as they come. */
  onLine: (line: string) => void;
}

/** Turns a generation into a system in the local store: the local Nix builder, or the prebuilt one (§15). */
export interface Builder {
  /**
   * One evaluation (drvPath, outPath, machineId), or a published manifest's entry. Throws
   * `StageError("waiting")` when the generation must wait for a publication (§15).
   */
  resolve(generation: GenerationRecord, io: StageIo): Promise<Resolution>;
  /** Makes the outPath valid in the store, kept alive by a GC root of the generation; returns it. */
  realise(generation: GenerationRecord, io: StageIo): Promise<string>;
  /** Drops the GC roots of generations not in `keep`. */
  forget(keep: readonly string[]): Promise<void>;
}

/** Activates systems (§7). */
export interface Deployer {
  activate(args: { outPath: string; operation: Operation; keepProfileLinks: string[]; onLine: (line: string) => void }): Promise<ActivationResult>;
  /** The post-deployment command (§7.6); never throws. */
  postDeployment(command: string, env: Record<string, string>): Promise<void>;
  /**
   * Returns to `to` (§14), each step idempotent so that a restart may run it again. `switch` and
   * `boot`: the profile generation `badProfileLink` is removed and the profile points at `to` again;
   * then `<to>/bin/switch-to-configuration <operation>`. `test` never touches the profile.
   */
  rollback(args: { to: string; operation: Operation; badProfileLink: string | null; onLine: (line: string) => void }): Promise<void>;
}

export interface VerifyArgs {
  /** COMIN_* variables for `command` checks. */
  env: Record<string, string>;
  /** Each round's results, as they come (the live status). */
  onRound: (checks: HealthCheckResult[]) => void;
  signal?: AbortSignal;
}

export interface VerifyOutcome {
  ok: boolean;
  checks: HealthCheckResult[];
  /** Stopped by the signal (the agent stops): neither healthy nor unhealthy. */
  cancelled: boolean;
}

/** Runs the health checks of §14 (grace period, rounds, timeout). */
export interface HealthChecker {
  verify(health: NonNullable<HealthConfig>, args: VerifyArgs): Promise<VerifyOutcome>;
}

/** The machine the agent runs on. */
export interface Machine {
  /** `/etc/machine-id` (or the configured file), read at start-up. */
  readonly machineId: string | null;
  currentSystem(): Promise<string | null>;
  bootedSystem(): Promise<string | null>;
  detectNeedToReboot(lastDeployment: DeploymentRecord | null): Promise<RebootDetection>;
}

/** Runs the reboot command (§8). */
export interface Rebooter {
  reboot(): Promise<{ ok: boolean; error: string | null }>;
}

/** What a fleet reboot lock shows (§16). */
export interface RebootLockView {
  group: string;
  /** The group's slot count; null when the server owns it (FleetLock). */
  slots: number | null;
  /** Machine ids holding a slot; null when the service cannot list them (FleetLock). */
  holders: string[] | null;
}

/**
 * The fleet's reboot lock (§16), in etcd or a FleetLock server. Every method throws
 * RebootLockError when the service is unreachable or answers with an error (callers fail closed).
 */
export interface RebootLock {
  readonly backend: "etcd" | "fleetLock";
  readonly group: string;
  /** Takes a slot for `id`; taking one `id` already holds succeeds. `refusal`: why not granted. */
  acquire(id: string): Promise<{ granted: boolean; view: RebootLockView; refusal: string | null }>;
  /** Gives `id`'s slot back; `released` is false when `id` held none. */
  release(id: string): Promise<{ released: boolean; view: RebootLockView }>;
  inspect(): Promise<RebootLockView>;
}

/** Where the state is persisted (§9). */
export interface StateSink {
  save(state: State): Promise<void>;
  /** Saves shortly, off the caller's path (a later save or flush carries it). */
  saveSoon(state: State): void;
  flush(): Promise<void>;
}

export interface Ports {
  source: Source;
  builder: Builder;
  deployer: Deployer;
  health: HealthChecker;
  machine: Machine;
  rebooter: Rebooter;
  /** null: `reboot.coordination` is not set, reboots ask no one. */
  rebootLock?: RebootLock | null;
  store: StateSink;
  clock: Clock;
}
