/** The real clock: `Date` and unref'd timers (a pending timer never keeps the daemon alive). */
import type { Clock, Timer } from "../ports.js";

/** setTimeout fires at once beyond 2^31-1 ms (24.8 days): longer waits are clamped. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => new Date(),
  setTimer(ms: number, fn: () => void): Timer {
    const handle = setTimeout(fn, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};
