/**
 * State files of version 2 written before health checks (§14) — no `quarantine`, no
 * `bootVerification`, deployments without `previousOutPath`, `health`, `rollback` — still load,
 * with those fields defaulted; and the new fields are checked like every other.
 */
import test from "ava";
import { validateStateText } from "../../../runtime/state/validate.js";
import { fullState } from "../../helpers/state.js";

function withoutHealthFields(): Record<string, unknown> {
  const state = JSON.parse(JSON.stringify(fullState())) as Record<string, unknown> & { deployments: Record<string, unknown>[] };
  delete state["quarantine"];
  delete state["bootVerification"];
  for (const entry of state.deployments) {
    delete entry["previousOutPath"];
    delete entry["health"];
    delete entry["rollback"];
  }
  return state;
}

test("a version 2 file from before health checks loads with the new fields defaulted", (t) => {
  const result = validateStateText(JSON.stringify(withoutHealthFields()));

  if (!result.ok) return t.fail(result.reason);
  t.deepEqual(result.droppedKeys, []);
  t.deepEqual(result.state.quarantine, []);
  t.is(result.state.bootVerification, null);
  const deployment = result.state.deployments.find((entry) => entry.kind === "deployment");
  t.like(deployment, { previousOutPath: null, health: { status: "skipped", checks: [] }, rollback: null });
});

test("a file with every health field filled loads back identical", (t) => {
  const result = validateStateText(JSON.stringify(fullState()));

  if (!result.ok) return t.fail(result.reason);
  t.deepEqual(result.state, fullState());
});

test("a wrong rollback trigger or quarantine commit id is reported with its path", (t) => {
  const state = JSON.parse(JSON.stringify(fullState())) as { deployments: { rollback?: { trigger: string } }[]; quarantine: { commit: string }[] };
  const first = state.deployments[0];
  if (first?.rollback) first.rollback.trigger = "magic";
  const quarantined = state.quarantine[0];
  if (quarantined) quarantined.commit = "not-a-sha";

  const result = validateStateText(JSON.stringify(state));

  t.false(result.ok);
  if (!result.ok) {
    t.regex(result.reason, /deployments\.0\.rollback\.trigger/);
    t.regex(result.reason, /quarantine\.0\.commit: expected a full commit id/);
  }
});
