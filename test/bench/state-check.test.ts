import test from "ava";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { stateFileProblem, stateFileProblemAt } from "../../bench/state-check.js";
import { tempDir } from "../helpers/temp.js";

const valid = { schemaVersion: 1, baseline: null, candidate: null, branches: {}, lastFetch: {}, generations: [], deployments: [], suspended: false, retry: null, rebootAttempt: null, lastReboot: null };

test("a state file as the agent writes it is usable", (t) => {
  const text = JSON.stringify(valid, null, 2);

  const problem = stateFileProblem(text);

  t.is(problem, null);
});

test("a torn, foreign or wrong-version file is not", (t) => {
  const text = JSON.stringify(valid);

  t.regex(stateFileProblem(text.slice(0, text.length / 2)) ?? "", /invalid JSON/);
  t.regex(stateFileProblem("[]") ?? "", /not a JSON object/);
  t.regex(stateFileProblem(JSON.stringify({ ...valid, schemaVersion: 2 })) ?? "", /schemaVersion/);
  t.regex(stateFileProblem(JSON.stringify({ ...valid, deployments: {} })) ?? "", /deployments/);
});

test("a missing file is fine (killed before the first write), an empty one is not", async (t) => {
  const dir = await tempDir(t, "comin-bench-state-");
  await writeFile(path.join(dir, "empty.json"), "");

  const [missing, empty] = await Promise.all([stateFileProblemAt(path.join(dir, "state.json")), stateFileProblemAt(path.join(dir, "empty.json"))]);

  t.is(missing, null);
  t.regex(empty ?? "", /invalid JSON/);
});
