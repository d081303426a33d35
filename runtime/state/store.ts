/**
 * The persisted state of the agent (`<stateDir>/state.json`, behaviour.md §9): baseline, last
 * selection, generations, deployment history, suspension, retries, reboots. Writes are atomic and
 * serialised; a corrupt file is moved aside and the agent starts clean.
 */
import { readdir, readFile, rename, unlink } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { Logger } from "../log.js";
import type { BranchStatus, Candidate, DeploymentRecord, GenerationRecord, RebootRecord } from "../types.js";
import { writeFileAtomic } from "./atomic.js";

export const STATE_VERSION = 1;
const MAX_GENERATIONS = 10;
const MAX_REBOOTS = 10;

export interface RetryState {
  generationId: string;
  stage: "eval" | "build" | "deploy";
  /** Attempts used so far (the failed one included). */
  attempt: number;
  dueAt: string;
}

export interface RebootAttempt {
  /** `<current>|<booted>`: the reboot command runs at most once per pair while the machine stays up. */
  pair: string;
  at: string;
  ok: boolean;
  error: string | null;
}

export interface State {
  schemaVersion: typeof STATE_VERSION;
  baseline: string | null;
  candidate: Candidate | null;
  branches: Record<string, { main: BranchStatus; testing: BranchStatus }>;
  lastFetch: Record<string, { at: string; ok: boolean; error: string | null }>;
  generations: GenerationRecord[];
  deployments: DeploymentRecord[];
  suspended: boolean;
  retry: RetryState | null;
  rebootAttempt: RebootAttempt | null;
  lastReboot: RebootRecord | null;
}

export function emptyState(): State {
  return {
    schemaVersion: STATE_VERSION,
    baseline: null,
    candidate: null,
    branches: {},
    lastFetch: {},
    generations: [],
    deployments: [],
    suspended: false,
    retry: null,
    rebootAttempt: null,
    lastReboot: null,
  };
}

/** Only the skeleton is checked: records are our own writes, but a hand-edited file must not crash us. */
const StateShape = z.looseObject({
  schemaVersion: z.literal(STATE_VERSION),
  baseline: z.string().nullable(),
  candidate: z.looseObject({ commit: z.string(), remote: z.string(), branch: z.string(), isTesting: z.boolean() }).nullable(),
  branches: z.record(z.string(), z.unknown()),
  lastFetch: z.record(z.string(), z.unknown()),
  generations: z.array(z.looseObject({ id: z.string(), commit: z.string() })),
  deployments: z.array(z.looseObject({ id: z.string(), status: z.string(), createdAt: z.string() })),
  suspended: z.boolean(),
  retry: z.unknown(),
  rebootAttempt: z.unknown(),
  lastReboot: z.unknown(),
});

export interface LoadResult {
  state: State;
  /** Set when the file was unreadable and moved aside. */
  corrupt: { movedTo: string; reason: string } | null;
}

export class StateStore {
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly log: Logger,
  ) {}

  async load(): Promise<LoadResult> {
    await this.removeStaleTemporaries();
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { state: emptyState(), corrupt: null };
      throw error;
    }
    let reason: string;
    try {
      const parsed = StateShape.safeParse(JSON.parse(text));
      if (parsed.success) return { state: { ...emptyState(), ...(parsed.data as unknown as State) }, corrupt: null };
      reason = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(top)"}: ${issue.message}`).join("; ");
    } catch (error) {
      reason = `invalid JSON: ${(error as Error).message}`;
    }
    const movedTo = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    await rename(this.file, movedTo);
    this.log.error("state file is corrupt: moved aside, starting with an empty state (the baseline is lost)", { file: this.file, movedTo, reason });
    return { state: emptyState(), corrupt: { movedTo, reason } };
  }

  /** Writes are queued so that two saves never race; each one writes the state as it is then. */
  save(state: State): Promise<void> {
    const snapshot = JSON.stringify(trim(state), null, 2) + "\n";
    const next = this.writing.then(() => writeFileAtomic(this.file, snapshot));
    this.writing = next.catch((error: unknown) => {
      this.log.error("cannot write the state file", { file: this.file, error });
    });
    return next;
  }

  async flush(): Promise<void> {
    await this.writing;
  }

  private async removeStaleTemporaries(): Promise<void> {
    const dir = path.dirname(this.file);
    const prefix = `.${path.basename(this.file)}.tmp-`;
    const entries = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(entries.filter((name) => name.startsWith(prefix)).map((name) => unlink(path.join(dir, name)).catch(() => {})));
  }
}

function trim(state: State): State {
  return {
    ...state,
    generations: state.generations.slice(-MAX_GENERATIONS),
  };
}

export { MAX_REBOOTS };
