import test from "ava";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { silentLogger } from "../../../runtime/log.js";
import { emptyState, StateStore } from "../../../runtime/state/store.js";

async function tempDir(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "comin-store-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test("a missing state file gives an empty state", async (t) => {
  const dir = await tempDir(t);
  const store = new StateStore(path.join(dir, "state.json"), silentLogger);

  const { state, corrupt } = await store.load();

  t.deepEqual(state, emptyState());
  t.is(corrupt, null);
});

test("a saved state loads back identical, with mode 0600", async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, "state.json");
  const store = new StateStore(file, silentLogger);
  const state = { ...emptyState(), baseline: "a".repeat(40), suspended: true };

  await store.save(state);
  const loaded = await new StateStore(file, silentLogger).load();

  t.is(loaded.state.baseline, "a".repeat(40));
  t.true(loaded.state.suspended);
  t.is((await stat(file)).mode & 0o777, 0o600);
});

test("a corrupt state file is moved aside and the agent starts clean", async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, "state.json");
  await writeFile(file, '{"schemaVersion": 1, "baseline": ');
  const store = new StateStore(file, silentLogger);

  const { state, corrupt } = await store.load();

  t.deepEqual(state, emptyState());
  t.truthy(corrupt);
  t.regex(corrupt?.reason ?? "", /invalid JSON/);
  const names = await readdir(dir);
  t.false(names.includes("state.json"));
  t.true(names.some((name) => name.startsWith("state.json.corrupt-")));
  t.is(await readFile(path.join(dir, names.find((n) => n.startsWith("state.json.corrupt-")) ?? ""), "utf8"), '{"schemaVersion": 1, "baseline": ');
});

test("a state file of the wrong shape is treated as corrupt, with the reason", async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, "state.json");
  await writeFile(file, JSON.stringify({ ...emptyState(), deployments: "nope" }));

  const { corrupt } = await new StateStore(file, silentLogger).load();

  t.regex(corrupt?.reason ?? "", /deployments/);
});

test("concurrent saves never tear the file: the last one wins", async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, "state.json");
  const store = new StateStore(file, silentLogger);

  await Promise.all(Array.from({ length: 50 }, (_, i) => store.save({ ...emptyState(), baseline: String(i).padStart(40, "0") })));
  const { state, corrupt } = await store.load();

  t.is(corrupt, null);
  t.is(state.baseline, "49".padStart(40, "0"));
  t.deepEqual((await readdir(dir)).filter((n) => n !== "state.json"), []);
});

test("temporary files left by a crash are removed at load", async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, ".state.json.tmp-123-0"), "{");

  await new StateStore(path.join(dir, "state.json"), silentLogger).load();

  t.deepEqual(await readdir(dir), []);
});
