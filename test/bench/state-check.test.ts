import test from "ava";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { stateFileProblem, stateFileProblemAt } from "../../bench/state-check.js";
import { emptyState, STATE_VERSION } from "../../runtime/state/state.js";
import { tempDir } from "../helpers/temp.js";

const valid = emptyState();

test("a state file as the agent writes it is usable, and so is a version 1 file (migrated on load)", (t) => {
  const text = JSON.stringify(valid, null, 2);
  const v1 = JSON.stringify({ ...valid, schemaVersion: 1, lastReboot: null });

  t.is(stateFileProblem(text), null);
  t.is(stateFileProblem(v1), null);
});

test("a torn, foreign or wrong-version file is not", (t) => {
  const text = JSON.stringify(valid);

  t.regex(stateFileProblem(text.slice(0, text.length / 2)) ?? "", /invalid JSON/);
  t.regex(stateFileProblem("[]") ?? "", /expected object/);
  t.regex(stateFileProblem(JSON.stringify({ ...valid, schemaVersion: STATE_VERSION + 1 })) ?? "", /schemaVersion/);
  t.regex(stateFileProblem(JSON.stringify({ ...valid, deployments: {} })) ?? "", /deployments/);
});

test("a missing file is fine (killed before the first write), an empty one is not", async (t) => {
  const dir = await tempDir(t, "comin-bench-state-");
  await writeFile(path.join(dir, "empty.json"), "");

  const [missing, empty] = await Promise.all([stateFileProblemAt(path.join(dir, "state.json")), stateFileProblemAt(path.join(dir, "empty.json"))]);

  t.is(missing, null);
  t.regex(empty ?? "", /invalid JSON/);
});
