/**
 * Fleet reboot coordination as pure decisions (behaviour.md §16): whether a reboot the policy
 * decided must wait for the lock, whether a held slot may be given back, and the post-boot health
 * fact that release waits for. The lock itself is a port (RebootLock); agent/reboot-lock.ts runs it.
 */
import type { HealthConfig } from "../../dsl/schema.js";
import type { RebootAttempt, RebootLockHold } from "../state/state.js";
import type { RebootDecision, RebootFacts } from "./policy.js";

/** A refused or failed take is tried again after this long: the spec asks for at least every 30 s, and 10 s is the windows' re-check. */
export const REBOOT_LOCK_RETRY_MS = 10_000;

/** Why the last take did not give a slot, and when to try again. */
export interface RebootLockBlock {
  why: string;
  until: Date;
}

/** The post-boot verification (§14) of the booted system: release waits for "passed". */
export type PostBootHealth = "not-configured" | "pending" | "passed" | "failed";

export type ReleaseDecision = { kind: "release" } | { kind: "keep"; why: string };

/** A reboot decided by the policy waits while the last take was refused (until its retry time). */
export function gateRebootOnLock(decision: RebootDecision, block: RebootLockBlock | null, now: Date): RebootDecision {
  if (decision.kind !== "reboot" || !block || block.until <= now) return decision;
  return { kind: "wait", why: block.why, until: block.until };
}

export function refusedWords(refusal: string | null): string {
  return `waiting for a reboot slot (${refusal ?? "refused"})`;
}

export function unreachableWords(error: string, retryAt: Date): string {
  return `waiting for the reboot lock, which cannot be reached: no reboot until it answers (next try at ${retryAt.toISOString()}): ${error}`;
}

/**
 * The health of the booted system after the boot: "not-configured" without `health`; otherwise
 * the verification recorded for the booted system, and "pending" while there is none (an agent
 * that cannot tell keeps the slot: fail closed).
 */
export function postBootHealth(health: HealthConfig, verification: { outPath: string; status: string } | null | undefined, booted: string | null): PostBootHealth {
  if (health === null) return "not-configured";
  if (!verification || booted === null || verification.outPath !== booted) return "pending";
  if (verification.status === "passed") return "passed";
  if (verification.status === "failed") return "failed";
  return "pending";
}

/**
 * Whether the slot this machine holds may be given back. Once the reboot command has run since the
 * slot was taken and this agent started after it (the machine is back): when it booted into the
 * system it rebooted for, and the post-boot verification passed. Before any reboot: when the
 * reboot is no longer needed (e.g. the change was reverted). Otherwise keep it.
 */
export function mayReleaseRebootLock(args: { hold: RebootLockHold; facts: RebootFacts; lastAttempt: RebootAttempt | null; startedAt: Date; health: PostBootHealth }): ReleaseDecision {
  const { hold, facts, lastAttempt, health } = args;
  const rebootRan = lastAttempt !== null && lastAttempt.at >= hold.takenAt;
  const backAfterReboot = rebootRan && new Date(lastAttempt.at) < args.startedAt;
  if (!rebootRan) return facts.needed ? { kind: "keep", why: "the reboot has not run yet" } : { kind: "release" };
  if (!backAfterReboot) return { kind: "keep", why: "the reboot is under way" };
  if (facts.booted === null || facts.booted !== hold.to) return { kind: "keep", why: `booted into ${facts.booted ?? "an unknown system"}, not the expected ${hold.to ?? "system"}: keeping the slot until an operator looks` };
  switch (health) {
    case "pending":
      return { kind: "keep", why: "the post-boot health verification has not passed yet" };
    case "failed":
      return { kind: "keep", why: "the post-boot health verification failed: keeping the slot, the fleet stops rebooting until an operator looks (`comin reboot-lock release`)" };
    default:
      return { kind: "release" };
  }
}
