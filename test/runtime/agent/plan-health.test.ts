/**
 * The pure parts of §14 beside the planner's table: when the booted system is verified at start-up,
 * and what the quarantine says.
 */
import test from "ava";
import { needsBootVerification, quarantined } from "../../../runtime/agent/plan-health.js";
import { emptyState, type State } from "../../../runtime/state/state.js";
import { sampleDeployment } from "../../helpers/fake-controller.js";

const NEW = "/nix/store/nnnn-nixos-system-web1";
const OLD = "/nix/store/oooo-nixos-system-web1";
const AT = "2026-06-20T10:00:00.000Z";

function state(overrides: Partial<State> = {}): State {
  return { ...emptyState(), ...overrides };
}

test("booted into the system the current switch or boot deployment installed: verified once", (t) => {
  const current = sampleDeployment({ outPath: NEW, operation: "boot" });
  t.true(needsBootVerification(state({ deployments: [current] }), current, NEW));
  t.false(needsBootVerification(state({ deployments: [current], bootVerification: { outPath: NEW, status: "passed", startedAt: AT, finishedAt: AT } }), current, NEW), "already verified");
  t.false(needsBootVerification(state({ deployments: [current] }), current, OLD), "not booted into it yet");
  const test_ = sampleDeployment({ outPath: NEW, operation: "test" });
  t.false(needsBootVerification(state({ deployments: [test_] }), test_, NEW), "a test deployment is never booted");
  t.false(needsBootVerification(state(), null, NEW));
});

test("a system a later rollback returned to is not verified again (no cascade)", (t) => {
  const previous = sampleDeployment({ id: "d1", outPath: OLD });
  const bad = sampleDeployment({ id: "d2", outPath: NEW, status: "rolled-back", rollback: { trigger: "health", to: OLD, status: "done", error: null } });

  t.false(needsBootVerification(state({ deployments: [previous, bad] }), previous, OLD));
});

test("quarantine: by commit with its reason, by system without", (t) => {
  const entries = state({ quarantine: [{ commit: "a".repeat(40), outPath: NEW, reason: "health check web failed", at: AT }] });

  t.is(quarantined(entries, { commit: "a".repeat(40), outPath: null }), `commit ${"a".repeat(40)} is quarantined: health check web failed`);
  t.is(quarantined(entries, { commit: "b".repeat(40), outPath: NEW }), `system ${NEW} is quarantined`);
  t.is(quarantined(entries, { commit: "b".repeat(40), outPath: OLD }), null);
});
