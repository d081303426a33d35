/**
 * The pure rules of reboot coordination (runtime/reboot/coordination.ts, behaviour.md §16): when a
 * held slot is given back, and the post-boot health fact that release waits for.
 */
import test from "ava";
import { mayReleaseRebootLock, postBootHealth, type PostBootHealth } from "../../../runtime/reboot/coordination.js";
import type { RebootFacts } from "../../../runtime/reboot/policy.js";
import type { RebootAttempt, RebootLockHold } from "../../../runtime/state/state.js";

const HOLD: RebootLockHold = { backend: "etcd", group: "default", holder: "m1", takenAt: "2026-06-20T10:00:00.000Z", from: "/old", to: "/new" };
const STARTED_BEFORE = new Date("2026-06-20T09:00:00.000Z");
const STARTED_AFTER = new Date("2026-06-20T10:05:00.000Z");
const ATTEMPT: RebootAttempt = { pair: "/new|/old", at: "2026-06-20T10:00:01.000Z", ok: true, error: null };
const facts = (booted: string, current: string, needed: boolean): RebootFacts => ({ needed, reason: needed ? "kernel" : null, current, booted });

const rows: { name: string; facts: RebootFacts; attempt: RebootAttempt | null; startedAt: Date; health?: PostBootHealth; expect: "release" | RegExp }[] = [
  { name: "back in the expected system, no health configured: release", facts: facts("/new", "/new", false), attempt: ATTEMPT, startedAt: STARTED_AFTER, expect: "release" },
  { name: "back in the expected system, verification passed: release", facts: facts("/new", "/new", false), attempt: ATTEMPT, startedAt: STARTED_AFTER, health: "passed", expect: "release" },
  { name: "back, verification not done yet: keep", facts: facts("/new", "/new", false), attempt: ATTEMPT, startedAt: STARTED_AFTER, health: "pending", expect: /has not passed yet/ },
  { name: "back unhealthy: keep until an operator looks", facts: facts("/new", "/new", false), attempt: ATTEMPT, startedAt: STARTED_AFTER, health: "failed", expect: /operator/ },
  { name: "back in another system than expected: keep", facts: facts("/old", "/new", true), attempt: ATTEMPT, startedAt: STARTED_AFTER, expect: /booted into \/old, not the expected \/new/ },
  { name: "the command ran in this agent's life (the machine is going down): keep", facts: facts("/new", "/new", false), attempt: ATTEMPT, startedAt: STARTED_BEFORE, expect: /under way/ },
  { name: "taken, the reboot not run yet: keep", facts: facts("/old", "/new", true), attempt: null, startedAt: STARTED_BEFORE, expect: /not run yet/ },
  { name: "taken, then the reboot is no longer needed (reverted): release", facts: facts("/old", "/old", false), attempt: null, startedAt: STARTED_BEFORE, expect: "release" },
  { name: "an attempt older than the slot does not count as its reboot", facts: facts("/old", "/new", true), attempt: { ...ATTEMPT, at: "2026-06-20T09:30:00.000Z" }, startedAt: STARTED_AFTER, expect: /not run yet/ },
];

for (const row of rows) {
  test(`mayReleaseRebootLock: ${row.name}`, (t) => {
    const decision = mayReleaseRebootLock({ hold: HOLD, facts: row.facts, lastAttempt: row.attempt, startedAt: row.startedAt, health: row.health ?? "not-configured" });

    if (row.expect === "release") t.deepEqual(decision, { kind: "release" });
    else t.regex(decision.kind === "keep" ? decision.why : "released", row.expect);
  });
}

test("postBootHealth: none configured, pending without a verification of the booted system, else its status", (t) => {
  const health = { checks: [{ name: "units", noFailedUnits: true }] } as unknown as Parameters<typeof postBootHealth>[0];

  t.is(postBootHealth(null, undefined, "/new"), "not-configured");
  t.is(postBootHealth(health, undefined, "/new"), "pending");
  t.is(postBootHealth(health, { outPath: "/old", status: "passed" }, "/new"), "pending");
  t.is(postBootHealth(health, { outPath: "/new", status: "running" }, "/new"), "pending");
  t.is(postBootHealth(health, { outPath: "/new", status: "passed" }, "/new"), "passed");
  t.is(postBootHealth(health, { outPath: "/new", status: "failed" }, "/new"), "failed");
});
