/**
 * Saving `state.json` (behaviour.md §9): serialised, atomic, last one wins; a save that fails is
 * never swallowed: it is logged as an error, counted, and retried until the state is on disk.
 */
import test from "ava";
import { mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { createLogger, silentLogger } from "../../../runtime/log.js";
import { readStateFile } from "../../../runtime/state/read.js";
import { emptyState, StateSaveError, StateStore } from "../../../runtime/state/store.js";
import { validateStateText } from "../../../runtime/state/validate.js";
import { waitFor } from "../../helpers/git.js";
import { fullState } from "../../helpers/state.js";
import { tempDir } from "../../helpers/temp.js";

interface Line {
  level: string;
  msg: string;
  error?: string;
}

function capture(): { lines: Line[]; log: ReturnType<typeof createLogger> } {
  const lines: Line[] = [];
  return { lines, log: createLogger({ write: (line) => lines.push(JSON.parse(line) as Line) }) };
}

/** The baseline on disk (read without the store, which would clean up around a running save). */
async function loadedBaseline(file: string): Promise<string | null | undefined> {
  const read = await readStateFile(file);
  if (read.kind !== "text") return undefined;
  const validated = validateStateText(read.text);
  return validated.ok ? validated.state.baseline : undefined;
}

/** A directory at the path of state.json: the rename of every write fails (EISDIR), even as root. */
async function blockWrites(file: string): Promise<() => Promise<void>> {
  await mkdir(path.join(file, "blocker"), { recursive: true });
  return () => rm(file, { recursive: true });
}

test("concurrent saves never tear the file: the last one wins", async (t) => {
  const dir = await tempDir(t, "comin-save-");
  const file = path.join(dir, "state.json");
  const store = new StateStore(file, silentLogger);

  await Promise.all(Array.from({ length: 50 }, (_, i) => store.save({ ...emptyState(), baseline: String(i).padStart(40, "0") })));

  t.is(await loadedBaseline(file), "49".padStart(40, "0"));
  t.deepEqual((await readdir(dir)).filter((n) => n !== "state.json"), []);
});

test("a failed write is logged as an error with its reason, counted, and retried by the store until it lands", async (t) => {
  const dir = await tempDir(t, "comin-save-");
  const file = path.join(dir, "state.json");
  const unblock = await blockWrites(file);
  const { lines, log } = capture();
  const store = new StateStore(file, log, { retryMs: 50, maxRetryMs: 200 });
  const state = fullState();

  const error = await t.throwsAsync(store.save(state), { instanceOf: StateSaveError });
  await waitFor(() => store.saveFailures >= 2, { message: "the store did not retry the failed save" });
  await unblock();
  await waitFor(async () => (await loadedBaseline(file)) === state.baseline, { message: "the retried save never reached the disk" });

  t.regex(error?.message ?? "", /EISDIR/);
  const failures = lines.filter((line) => line.level === "error" && line.msg === "cannot write the state file");
  t.true(failures.length >= 2, "each failed attempt is logged");
  t.regex(failures[0]?.error ?? "", /EISDIR/);
  t.regex(store.lastSaveError?.message ?? "", /EISDIR/);
  t.true(lines.some((line) => line.level === "info" && line.msg === "state file written again"));
});

test("flush attempts a save waiting for its retry at once", async (t) => {
  const dir = await tempDir(t, "comin-save-");
  const file = path.join(dir, "state.json");
  const unblock = await blockWrites(file);
  // A retry an hour away: only flush can write the state within the test.
  const store = new StateStore(file, silentLogger, { retryMs: 3_600_000 });
  await store.save(fullState()).catch(() => {});
  await unblock();

  await store.flush();

  t.is(await loadedBaseline(file), fullState().baseline);
  t.is(store.saveFailures, 1);
});

test("a newer save replaces the one waiting for its retry", async (t) => {
  const dir = await tempDir(t, "comin-save-");
  const file = path.join(dir, "state.json");
  const unblock = await blockWrites(file);
  const store = new StateStore(file, silentLogger, { retryMs: 3_600_000 });
  await store.save({ ...emptyState(), baseline: "1".repeat(40) }).catch(() => {});
  await unblock();

  await store.save({ ...emptyState(), baseline: "2".repeat(40) });

  t.is(await loadedBaseline(file), "2".repeat(40));
});

test("a state that cannot be serialised is logged and counted, never swallowed", async (t) => {
  const dir = await tempDir(t, "comin-save-");
  const { lines, log } = capture();
  const store = new StateStore(path.join(dir, "state.json"), log);
  const state = { ...emptyState(), suspended: 1n } as unknown as ReturnType<typeof emptyState>;

  const error = await t.throwsAsync(store.save(state), { instanceOf: StateSaveError });

  t.regex(error?.message ?? "", /cannot serialise the state: .*BigInt/);
  t.is(store.saveFailures, 1);
  t.true(lines.some((line) => line.level === "error" && /BigInt/.test(line.error ?? "")));
});

test("saveSoon writes shortly after, once for a burst; a save or flush meanwhile carries it", async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, "state.json");
  const store = new StateStore(file, silentLogger);
  const state = emptyState();
  const sha = (digit: string) => digit.repeat(40);

  state.baseline = sha("a");
  store.saveSoon(state);
  state.baseline = sha("b");
  store.saveSoon(state);
  const right = await loadedBaseline(file);
  await waitFor(async () => (await loadedBaseline(file)) === sha("b"), { timeoutMs: 5000, message: "the soon save" });

  state.baseline = sha("c");
  store.saveSoon(state);
  await store.flush();
  const flushed = await loadedBaseline(file);

  state.baseline = sha("d");
  store.saveSoon(state);
  state.baseline = sha("e");
  await store.save(state);
  // The held-back save must not write again later (it would write the same object, now changed).
  state.baseline = sha("f");
  await new Promise((resolve) => setTimeout(resolve, 300));

  t.is(right, undefined, "nothing is written synchronously");
  t.is(flushed, sha("c"));
  t.is(await loadedBaseline(file), sha("e"));
});
