/**
 * Loading `state.json` (behaviour.md §9): what the store wrote loads back whole; whatever else
 * sits there (torn, wrong shape, a directory, a FIFO, huge, deeply nested) is moved aside with its
 * reason and the agent starts clean; keys it does not know are dropped, loudly, and a copy kept.
 */
import test from "ava";
import { execa } from "execa";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { createLogger, silentLogger } from "../../../runtime/log.js";
import { MAX_STATE_BYTES, MAX_STATE_DEPTH } from "../../../runtime/state/read.js";
import { emptyState, StateStore } from "../../../runtime/state/store.js";
import { sampleGeneration } from "../../helpers/fake-controller.js";
import { fullState } from "../../helpers/state.js";
import { tempDir } from "../../helpers/temp.js";

async function stateFile(t: Parameters<typeof tempDir>[0], content?: string): Promise<{ dir: string; file: string }> {
  const dir = await tempDir(t, "comin-store-");
  const file = path.join(dir, "state.json");
  if (content !== undefined) await writeFile(file, content);
  return { dir, file };
}

function capture(): { lines: { level: string; msg: string; [key: string]: unknown }[]; log: ReturnType<typeof createLogger> } {
  const lines: { level: string; msg: string }[] = [];
  return { lines, log: createLogger({ level: "debug", write: (line) => lines.push(JSON.parse(line) as { level: string; msg: string }) }) };
}

async function movedAside(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith("state.json.corrupt-"));
}

test("a missing state file gives an empty state", async (t) => {
  const { file } = await stateFile(t);

  const { state, corrupt } = await new StateStore(file, silentLogger).load();

  t.deepEqual(state, emptyState());
  t.is(corrupt, null);
});

test("a saved state with every part filled loads back identical, with mode 0600", async (t) => {
  const { file } = await stateFile(t);

  await new StateStore(file, silentLogger).save(fullState());
  const loaded = await new StateStore(file, silentLogger).load();

  t.deepEqual(loaded, { state: fullState(), corrupt: null, droppedKeys: [] });
  t.is((await stat(file)).mode & 0o777, 0o600);
});

test("a corrupt state file is moved aside, loudly, and the agent starts clean", async (t) => {
  const { dir, file } = await stateFile(t, '{"schemaVersion": 1, "baseline": ');
  const { lines, log } = capture();

  const { state, corrupt } = await new StateStore(file, log).load();

  t.deepEqual(state, emptyState());
  t.regex(corrupt?.reason ?? "", /invalid JSON/);
  const [aside] = await movedAside(dir);
  t.is(corrupt?.movedTo, path.join(dir, aside ?? "?"));
  t.is(await readFile(path.join(dir, aside ?? "?"), "utf8"), '{"schemaVersion": 1, "baseline": ');
  t.false((await readdir(dir)).includes("state.json"));
  t.true(lines.some((line) => line.level === "error" && /baseline is lost/.test(line.msg)));
});

test("a record missing fields is moved aside with the path of what is missing, instead of crashing the agent", async (t) => {
  const { eval: _missing, ...generation } = sampleGeneration();
  const { dir, file } = await stateFile(t, JSON.stringify({ ...fullState(), generations: [generation] }));

  const { state, corrupt } = await new StateStore(file, silentLogger).load();

  t.deepEqual(state, emptyState());
  t.regex(corrupt?.reason ?? "", /generations\.0\.eval: /);
  t.is((await movedAside(dir)).length, 1);
});

test("a value of the wrong type anywhere is moved aside with its path", async (t) => {
  const cases: [unknown, RegExp][] = [
    [{ ...fullState(), deployments: "nope" }, /^deployments: /],
    [{ ...fullState(), baseline: "--upload-pack=touch /tmp/x" }, /^baseline: expected a full commit id/],
    [{ ...fullState(), retry: { ...fullState().retry, stage: "reboot" } }, /^retry\.stage: /],
    [{ ...fullState(), lastFetch: { origin: { at: "yesterday", ok: true, error: null } } }, /^lastFetch\.origin\.at: /],
    [{ ...fullState(), schemaVersion: 3 }, /^schemaVersion: /],
  ];
  for (const [content, reason] of cases) {
    const { file } = await stateFile(t, JSON.stringify(content));

    const { corrupt } = await new StateStore(file, silentLogger).load();

    t.regex(corrupt?.reason ?? "", reason);
  }
});

test("a directory in place of state.json is moved aside, and the next save lands", async (t) => {
  const { dir, file } = await stateFile(t);
  await mkdir(path.join(file, "inside"), { recursive: true });
  const store = new StateStore(file, silentLogger);

  const { corrupt } = await store.load();
  await store.save(fullState());

  t.regex(corrupt?.reason ?? "", /not a regular file but a directory/);
  const [aside] = await movedAside(dir);
  t.deepEqual(await readdir(path.join(dir, aside ?? "?")), ["inside"]);
  t.deepEqual((await new StateStore(file, silentLogger).load()).state, fullState());
});

test("a FIFO in place of state.json is moved aside without waiting for a writer", async (t) => {
  const { dir, file } = await stateFile(t);
  await execa("mkfifo", [file]);

  const { corrupt } = await new StateStore(file, silentLogger).load();

  t.regex(corrupt?.reason ?? "", /not a regular file but a FIFO/);
  t.is((await movedAside(dir)).length, 1);
});

test("a file over the size bound is moved aside without being parsed", async (t) => {
  // Valid JSON of the right shape but for its size: only the bound can refuse it.
  const padding = " ".repeat(MAX_STATE_BYTES);
  const { dir, file } = await stateFile(t, `${JSON.stringify(fullState())}${padding}`);

  const { corrupt } = await new StateStore(file, silentLogger).load();

  t.regex(corrupt?.reason ?? "", /larger than 16 MiB/);
  t.is((await movedAside(dir)).length, 1);
});

test("JSON nested deeper than the bound is moved aside before it is parsed", async (t) => {
  const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
  const { file } = await stateFile(t, JSON.stringify({ ...fullState(), candidate: "X" }).replace('"X"', deep));

  const { corrupt } = await new StateStore(file, silentLogger).load();

  t.regex(corrupt?.reason ?? "", new RegExp(`nested deeper than ${MAX_STATE_DEPTH} levels`));
});

test("brackets and escaped quotes inside strings do not count as nesting", async (t) => {
  const state = fullState();
  state.candidate = { ...fullState().candidate!, message: `\\"${"[{".repeat(5_000)}"\\` };
  const { file } = await stateFile(t, JSON.stringify(state));

  const loaded = await new StateStore(file, silentLogger).load();

  t.is(loaded.corrupt, null);
  t.deepEqual(loaded.state, state);
});

test("keys this agent does not know are dropped with a warning naming them; the rest and a copy of the file are kept", async (t) => {
  const hostile = fullState() as unknown as Record<string, unknown> & { generations: Record<string, unknown>[] };
  hostile.fromANewerAgent = { quarantine: [] };
  hostile.generations[0] = { ...hostile.generations[0], eval: { ...(hostile.generations[0]?.eval as object), extra: { a: { b: { c: [1, [2, [3]]] } } } } };
  const original = JSON.stringify(hostile);
  const { dir, file } = await stateFile(t, original);
  const { lines, log } = capture();
  const store = new StateStore(file, log);

  const loaded = await store.load();
  await store.save(loaded.state);

  t.is(loaded.corrupt, null);
  t.deepEqual(loaded.state, fullState());
  t.deepEqual(loaded.droppedKeys.sort(), ["fromANewerAgent", "generations.0.eval.extra"]);
  const warning = lines.find((line) => line.level === "warn");
  t.regex(String(warning?.keys), /fromANewerAgent/);
  t.regex(String(warning?.keys), /generations\.0\.eval\.extra/);
  const copy = (await readdir(dir)).find((name) => name.startsWith("state.json.unknown-keys-"));
  t.is(await readFile(path.join(dir, copy ?? "?"), "utf8"), original);
  t.false((await readFile(file, "utf8")).includes("extra"), "the next save writes the state without them");
});

test("unknown keys next to a wrong value do not save the file from being moved aside", async (t) => {
  const { file } = await stateFile(t, JSON.stringify({ ...fullState(), extra: 1, suspended: "yes" }));

  const { corrupt } = await new StateStore(file, silentLogger).load();

  t.regex(corrupt?.reason ?? "", /^suspended: /);
});

test("temporary files left by a crash are removed at load", async (t) => {
  const { dir, file } = await stateFile(t);
  await writeFile(path.join(dir, ".state.json.tmp-123-0"), "{");

  await new StateStore(file, silentLogger).load();

  t.deepEqual(await readdir(dir), []);
});
