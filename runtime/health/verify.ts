/**
 * A verification (behaviour.md §14): after `gracePeriod`, every check runs together every
 * `interval`; healthy the first time every check passes in the same round, unhealthy when
 * `timeout` (counted from the end of the grace period) passes first. Each round's results are
 * reported as they come, for the live status. Real timers: this is the HealthChecker adapter.
 */
import type { HealthConfig } from "../../dsl/schema.js";
import type { HealthChecker, VerifyArgs, VerifyOutcome } from "../ports.js";
import type { HealthCheckResult } from "../types.js";
import { runCheck } from "./checks.js";

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

export async function verifyHealth(health: NonNullable<HealthConfig>, args: VerifyArgs): Promise<VerifyOutcome> {
  await sleep(health.gracePeriod * 1000, args.signal);
  const deadline = Date.now() + health.timeout * 1000;
  let results: HealthCheckResult[] = health.checks.map((check) => ({ name: check.name, ok: null, detail: null }));
  for (;;) {
    if (args.signal?.aborted) return { ok: false, checks: results, cancelled: true };
    const roundStart = Date.now();
    results = await Promise.all(health.checks.map((check) => runCheck(check, { env: args.env, ...(args.signal ? { signal: args.signal } : {}) })));
    args.onRound(results);
    if (results.every((result) => result.ok === true)) return { ok: true, checks: results, cancelled: false };
    const now = Date.now();
    if (now >= deadline) return { ok: false, checks: results, cancelled: false };
    await sleep(Math.min(Math.max(0, roundStart + health.interval * 1000 - now), deadline - now), args.signal);
  }
}

export const healthChecker: HealthChecker = { verify: verifyHealth };
