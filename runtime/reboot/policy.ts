/**
 * What to do about a needed reboot (behaviour.md §8): a pure decision from the host's policy, its
 * windows, the wall clock and the last attempt. Detection (detect.ts) says whether a reboot is
 * needed; this file only decides whether to reboot now, later, or never.
 */
import type { CominConfig } from "../../dsl/schema.js";
import type { RebootAttempt } from "../state/state.js";
import { isInsideWindow, nextWindowStart } from "./windows.js";

/** A failed reboot command is tried again after this long (inside a window). */
/** The planner's words while a needed reboot waits for its window. */
export const REBOOT_WINDOW = "a reboot window";

export const REBOOT_RETRY_MS = 10 * 60 * 1000;

export interface RebootFacts {
  needed: boolean;
  reason: string | null;
  /** realpath of the current and the booted system (null: unknown). */
  current: string | null;
  booted: string | null;
}

export type RebootDecision =
  | { kind: "none" }
  | { kind: "reboot"; reason: string; pair: string }
  | { kind: "wait"; why: string; until: Date | null };

/** The reboot command runs at most once per (current, booted) pair while the machine stays up. */
export function rebootPair(current: string | null, booted: string | null): string {
  return `${current ?? "?"}|${booted ?? "?"}`;
}

/** Whether the policy reboots by itself (the others only report). */
export function policyReboots(policy: CominConfig["reboot"]["policy"]): boolean {
  return policy === "when-needed" || policy === "always";
}

export function decideReboot(args: {
  reboot: Pick<CominConfig["reboot"], "policy" | "windows">;
  facts: RebootFacts;
  lastAttempt: RebootAttempt | null;
  suspended: boolean;
  now: Date;
}): RebootDecision {
  const { reboot, facts, lastAttempt, now } = args;
  if (!facts.needed || !policyReboots(reboot.policy) || args.suspended) return { kind: "none" };
  if (!isInsideWindow(now, reboot.windows)) return { kind: "wait", why: REBOOT_WINDOW, until: nextWindowStart(now, reboot.windows) };
  const pair = rebootPair(facts.current, facts.booted);
  if (lastAttempt && lastAttempt.pair === pair) {
    if (lastAttempt.ok) return { kind: "none" };
    const retryAt = new Date(new Date(lastAttempt.at).getTime() + REBOOT_RETRY_MS);
    if (retryAt > now) return { kind: "wait", why: `a reboot: the reboot command failed, next try at ${retryAt.toISOString()}`, until: retryAt };
  }
  return { kind: "reboot", reason: facts.reason ?? "reboot needed", pair };
}
