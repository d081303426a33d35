/**
 * The health verification after a reboot (behaviour.md §14), as other parts of the agent read it:
 * the reboot lock (§16) is released once the booted system has passed.
 */
import type { State } from "../state/state.js";

/** `running|passed|failed` for the booted system's verification, null when none was started. */
export function postBootVerification(state: Pick<State, "bootVerification">): "running" | "passed" | "failed" | null {
  return state.bootVerification?.status ?? null;
}
