/**
 * The persisted state of the agent (`<stateDir>/state.json`, behaviour.md §9): baseline, last
 * selection, generations, deployment history, suspension, retries, reboots. Writes are atomic and
 * serialised; a corrupt file is moved aside and the agent starts clean.
 */
import { readdir, readFile, rename, unlink } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { Logger } from "../log.js";
import { writeFileAtomic } from "./atomic.js";
import { emptyState, migrateFromV1, STATE_VERSION, trimGenerations, type State } from "./state.js";

export { emptyState, STATE_VERSION, type State } from "./state.js";

/** Only the skeleton is checked: records are our own writes, but a hand-edited file must not crash us. */
const StateShape = z.looseObject({
  schemaVersion: z.literal(STATE_VERSION),
  baseline: z.string().nullable(),
  candidate: z.looseObject({ commit: z.string(), remote: z.string(), branch: z.string(), isTesting: z.boolean() }).nullable(),
  branches: z.record(z.string(), z.unknown()),
  lastFetch: z.record(z.string(), z.unknown()),
  generations: z.array(z.looseObject({ id: z.string(), commit: z.string() })),
  deployments: z.array(z.looseObject({ id: z.string(), kind: z.enum(["deployment", "reboot"]), createdAt: z.string() })),
  suspended: z.boolean(),
  retry: z.unknown(),
  rebootAttempt: z.unknown(),
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
      const data: unknown = JSON.parse(text);
      const versioned = (data as { schemaVersion?: unknown } | null)?.schemaVersion === 1 ? migrateFromV1(data as Record<string, unknown>) : data;
      const parsed = StateShape.safeParse(versioned);
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
  return { ...state, generations: trimGenerations(state.generations) };
}
