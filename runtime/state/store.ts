/**
 * The persisted state of the agent (`<stateDir>/state.json`, behaviour.md §9): baseline, last
 * selection, generations, deployment history, suspension, retries, reboots. Loading never fails
 * on what the file holds: anything unusable is moved aside and the agent starts clean. Writes are
 * atomic and serialised; a write that fails is logged, counted and retried until one succeeds.
 */
import { copyFile, readdir, rename, unlink } from "node:fs/promises";
import path from "node:path";
import { errorMessage } from "../errors.js";
import type { Logger } from "../log.js";
import { retryDelaySeconds } from "../agent/retry.js";
import { writeFileAtomic } from "./atomic.js";
import { readStateFile, type ReadLimits } from "./read.js";
import { emptyState, trimGenerations, type State } from "./state.js";
import { validateStateText } from "./validate.js";

export { emptyState, STATE_VERSION, type State } from "./state.js";
const MAX_LOGGED_KEYS = 10;
/** How long saveSoon() holds a state back, so that the saves of a burst of stage changes become one. */
const SAVE_SOON_MS = 100;

export interface LoadResult {
  state: State;
  /** Set when the file was unusable and moved aside (movedTo is null when even that failed). */
  corrupt: { movedTo: string | null; reason: string } | null;
  /** Keys of the file this agent does not know, dropped (a copy of the file is kept). */
  droppedKeys: string[];
}

/** A save that did not reach the disk; the store keeps retrying it. */
export class StateSaveError extends Error {
  override readonly name = "StateSaveError";
}

export interface StateStoreOptions {
  /** Delay before the first retry of a failed save, doubled at each failure up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
  limits?: ReadLimits;
}

export class StateStore {
  private writing: Promise<void> = Promise.resolve();
  /** The newest snapshot not yet known to be on disk. */
  private unsaved: string | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private soonTimer: NodeJS.Timeout | null = null;
  private soonState: State | null = null;
  private consecutiveFailures = 0;
  /** Failed writes since start-up (the `comin_state_save_failures_total` metric). */
  saveFailures = 0;
  lastSaveError: { at: string; message: string } | null = null;

  constructor(
    readonly file: string,
    private readonly log: Logger,
    private readonly options: StateStoreOptions = {},
  ) {}

  async load(): Promise<LoadResult> {
    await this.removeStaleTemporaries();
    const read = await readStateFile(this.file, this.options.limits);
    if (read.kind === "missing") return { state: emptyState(), corrupt: null, droppedKeys: [] };
    const validated = read.kind === "text" ? validateStateText(read.text) : { ok: false as const, reason: read.reason };
    if (!validated.ok) return { state: emptyState(), corrupt: await this.moveAside(validated.reason), droppedKeys: [] };
    if (validated.droppedKeys.length > 0) await this.keepCopyWithUnknownKeys(validated.droppedKeys);
    return { state: validated.state, corrupt: null, droppedKeys: validated.droppedKeys };
  }

  private async moveAside(reason: string): Promise<{ movedTo: string | null; reason: string }> {
    const movedTo = `${this.file}.corrupt-${fileTime()}`;
    try {
      await rename(this.file, movedTo);
    } catch (error) {
      this.log.error("state file is unusable and cannot be moved aside: starting with an empty state (the baseline is lost); saves will fail until it is removed", {
        file: this.file,
        reason,
        error: errorMessage(error),
      });
      return { movedTo: null, reason };
    }
    this.log.error("state file is corrupt: moved aside, starting with an empty state (the baseline is lost)", { file: this.file, movedTo, reason });
    return { movedTo, reason };
  }

  private async keepCopyWithUnknownKeys(keys: readonly string[]): Promise<void> {
    const copy = `${this.file}.unknown-keys-${fileTime()}`;
    const kept = await copyFile(this.file, copy).then(
      () => copy,
      (error: unknown) => `none (${errorMessage(error)})`,
    );
    const shown = keys.slice(0, MAX_LOGGED_KEYS).join(", ") + (keys.length > MAX_LOGGED_KEYS ? ` and ${keys.length - MAX_LOGGED_KEYS} more` : "");
    this.log.warn("state file has keys this agent does not know (written by a newer agent?): they are dropped, the rest is kept", { file: this.file, keys: shown, copy: kept });
  }

  /**
   * Writes are queued so that two saves never race, and the newest snapshot is the one written.
   * Rejects with StateSaveError when this write failed (it is logged and retried by the store).
   */
  save(state: State): Promise<void> {
    let snapshot: string;
    try {
      snapshot = JSON.stringify(trim(state), null, 2) + "\n";
    } catch (error) {
      this.recordFailure(error, false);
      return Promise.reject(new StateSaveError(`cannot serialise the state: ${errorMessage(error)}`, { cause: error }));
    }
    this.unsaved = snapshot;
    this.cancelRetry();
    // This snapshot is newer than any state a saveSoon() is holding back.
    this.cancelSoon();
    return this.enqueue();
  }

  /**
   * Saves `state` within SAVE_SOON_MS, off the caller's path: for records a crash may lose (a
   * stage that started or ended, which recovery treats as interrupted and retries). Any save or
   * flush before then writes this state with it, so a burst of them costs one write.
   */
  saveSoon(state: State): void {
    this.soonState = state;
    if (this.soonTimer !== null) return;
    this.soonTimer = setTimeout(() => {
      this.soonTimer = null;
      const pending = this.soonState;
      this.soonState = null;
      if (pending !== null) this.save(pending).catch(() => {});
    }, SAVE_SOON_MS);
    this.soonTimer.unref();
  }

  private cancelSoon(): void {
    if (this.soonTimer !== null) clearTimeout(this.soonTimer);
    this.soonTimer = null;
    this.soonState = null;
  }

  /** Waits for the queued writes; a save waiting for its retry is attempted now. Never rejects. */
  async flush(): Promise<void> {
    if (this.soonState !== null) void this.save(this.soonState).catch(() => {});
    if (this.retryTimer !== null) {
      this.cancelRetry();
      void this.enqueue().catch(() => {});
    }
    await this.writing;
  }

  private enqueue(): Promise<void> {
    const next = this.writing.then(() => this.writeNewest());
    this.writing = next.catch(() => {});
    return next;
  }

  private async writeNewest(): Promise<void> {
    const snapshot = this.unsaved;
    // A later save queued behind this one already wrote its newer snapshot.
    if (snapshot === null) return;
    try {
      await writeFileAtomic(this.file, snapshot);
    } catch (error) {
      this.recordFailure(error, true);
      throw new StateSaveError(`cannot write ${this.file}: ${errorMessage(error)}`, { cause: error });
    }
    if (this.unsaved === snapshot) this.unsaved = null;
    if (this.consecutiveFailures > 0) this.log.info("state file written again", { file: this.file, failedAttempts: this.consecutiveFailures });
    this.consecutiveFailures = 0;
  }

  private recordFailure(error: unknown, retry: boolean): void {
    this.saveFailures += 1;
    this.consecutiveFailures += 1;
    this.lastSaveError = { at: new Date().toISOString(), message: errorMessage(error) };
    const delayMs = retryDelaySeconds(this.consecutiveFailures, this.options.retryMs ?? 1000, this.options.maxRetryMs ?? 60_000);
    this.log.error("cannot write the state file", { file: this.file, error: errorMessage(error), failures: this.saveFailures, retryInMs: retry ? delayMs : null });
    if (!retry) return;
    this.cancelRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.enqueue().catch(() => {});
    }, delayMs);
    this.retryTimer.unref();
  }

  private cancelRetry(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private async removeStaleTemporaries(): Promise<void> {
    const dir = path.dirname(this.file);
    const prefix = `.${path.basename(this.file)}.tmp-`;
    const entries = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(entries.filter((name) => name.startsWith(prefix)).map((name) => unlink(path.join(dir, name)).catch(() => {})));
  }
}

function fileTime(): string {
  return new Date().toISOString().replace(/[:.]/g, "-");
}

function trim(state: State): State {
  return { ...state, generations: trimGenerations(state.generations) };
}
