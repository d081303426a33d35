/**
 * Missed polls. A remote polled every `interval` ms misses a poll when a whole interval passes
 * with no fetch of it: between two consecutive fetches `gap` ms apart, `floor(gap / interval) - 1`
 * polls were missed (a gap of 1.4 intervals is a late poll, not a missed one; 2.1 intervals is one
 * missed). The window's end counts as a fetch boundary too, so a remote that stops being polled
 * is caught.
 */
export function missedPolls(fetchTimes: readonly number[], windowStart: number, windowEnd: number, intervalMs: number): number {
  if (intervalMs <= 0) throw new RangeError(`the poll interval must be positive, got ${intervalMs}`);
  const times = [...fetchTimes].sort((a, b) => a - b);
  // The last fetch at or before the window's start is where the first gap begins.
  const before = times.filter((time) => time <= windowStart).at(-1) ?? windowStart;
  const inside = times.filter((time) => time > windowStart && time <= windowEnd);
  let missed = 0;
  let previous = before;
  for (const time of [...inside, windowEnd]) {
    missed += Math.max(0, Math.floor((time - previous) / intervalMs) - 1);
    previous = time;
  }
  return missed;
}

/** Median gap between consecutive fetches (the effective poll period), or null with fewer than 2. */
export function medianGap(fetchTimes: readonly number[]): number | null {
  const times = [...fetchTimes].sort((a, b) => a - b);
  const gaps = times.slice(1).map((time, index) => time - (times[index] ?? time));
  if (gaps.length === 0) return null;
  gaps.sort((a, b) => a - b);
  const middle = Math.floor(gaps.length / 2);
  return gaps.length % 2 === 1 ? (gaps[middle] ?? 0) : ((gaps[middle - 1] ?? 0) + (gaps[middle] ?? 0)) / 2;
}
