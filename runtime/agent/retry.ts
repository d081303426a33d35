/** Exponential backoff (behaviour.md §10): backoff, 2×backoff, 4×backoff… capped at maxBackoff. */
export function retryDelaySeconds(failedAttempt: number, backoff: number, maxBackoff: number): number {
  const exponent = Math.max(0, failedAttempt - 1);
  return Math.min(maxBackoff, backoff * 2 ** Math.min(exponent, 30));
}
