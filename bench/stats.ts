/**
 * One benchmark figure: the spread of a measurement over its runs. The median (not the mean) is
 * the headline, because a shared 2-core machine produces outliers that say nothing about comin.
 */
export interface Figure {
  min: number;
  median: number;
  max: number;
  runs: number;
}

export class EmptySampleError extends Error {
  override readonly name = "EmptySampleError";
}

/** min/median/max of `values` (the median of an even count is the mean of the two middle ones). */
export function summarise(values: readonly number[]): Figure {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) throw new EmptySampleError(`cannot summarise an empty sample (got ${values.length} values, none finite)`);
  const sorted = [...finite].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return { min: sorted[0] ?? 0, median, max: sorted.at(-1) ?? 0, runs: sorted.length };
}

/** Rounds a figure for the report: `digits` decimals, so that the JSON stays readable. */
export function roundFigure(figure: Figure, digits: number): Figure {
  const factor = 10 ** digits;
  const round = (value: number) => Math.round(value * factor) / factor;
  return { min: round(figure.min), median: round(figure.median), max: round(figure.max), runs: figure.runs };
}

/** The q-quantile (0..1) of `values` by nearest rank (p99 of 100 values is the 99th); NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}
