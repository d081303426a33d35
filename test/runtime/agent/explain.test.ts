import test from "ava";
import { explainPlan } from "../../../runtime/agent/explain.js";
import { emptyState, type State } from "../../../runtime/state/state.js";
import { REBOOT_WINDOW } from "../../../runtime/reboot/policy.js";

const A = "a".repeat(40);

function state(overrides: Partial<State> & { quarantine?: unknown } = {}): State {
  return { ...emptyState(), candidate: { commit: A, remote: "origin", branch: "main", isTesting: false, signed: null, signedBy: null }, ...overrides } as State;
}

test("blockers: quarantine (when the state has it), a reboot window, refusals by the signature gate and by selection", (t) => {
  const s = state({
    quarantine: [{ commit: A, outPath: null, reason: "health check web failed", at: "2026-06-20T00:00:00.000Z" }],
    branches: {
      origin: { main: { name: "main", commit: A, error: "commit bbb is not signed by a trusted key" }, testing: { name: "testing-web1", commit: null, error: "testing is not on top of main (aaa)" } },
    },
  });

  const plan = explainPlan({ state: s, action: { kind: "wait", why: REBOOT_WINDOW, until: new Date() }, hostMachineId: null, confirmations: [], words: "a reboot in the window sat 23:00-23:30 UTC, opens Sat 20 Jun 23:00 UTC" });

  t.deepEqual(plan.blockers.map((b) => b.kind), ["quarantine", "window", "signatures", "selection"]);
  t.regex(plan.blockers[0]!.message, /quarantined: health check web failed/);
  t.is(plan.summary, "wait: a reboot in the window sat 23:00-23:30 UTC, opens Sat 20 Jun 23:00 UTC");
});

test("the machine-id guard and a new candidate", (t) => {
  const generation = { id: "g1", commit: A, remote: "origin", branch: "main", isTesting: false, message: "", flakeUrl: null, drvPath: null, outPath: "/nix/store/x", machineId: "f".repeat(32), createdAt: "2026-06-20T00:00:00.000Z", operation: "switch" as const,
    eval: { status: "done" as const, error: null, startedAt: null, endedAt: null, attempts: 0 }, build: { status: "skipped" as const, error: "x", startedAt: null, endedAt: null, attempts: 0 }, deploy: { status: "skipped" as const, error: "x", startedAt: null, endedAt: null, attempts: 0, deploymentId: null } };
  const guarded = explainPlan({ state: state({ generations: [generation] as State["generations"] }), action: { kind: "idle", why: "machineId mismatch" }, hostMachineId: "0".repeat(32), confirmations: [], words: null });
  const fresh = explainPlan({ state: state(), action: { kind: "new-generation", candidate: state().candidate! }, hostMachineId: null, confirmations: [], words: null });

  t.deepEqual(guarded.blockers.map((b) => b.kind), ["machine-id"]);
  t.is(guarded.outPath, "/nix/store/x");
  t.is(fresh.summary, "evaluate aaaaaaa from origin/main (a new candidate)");
  t.deepEqual(fresh.blockers, []);
});
