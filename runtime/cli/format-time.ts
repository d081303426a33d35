/** Times for people: "2 minutes ago", "in 30 seconds", "took 4m 48s". */

/**
 * Made on first use: building it loads ICU's locale data (~8 MiB of memory), which the daemon,
 * which imports this module through the CLI but never formats a relative time, must not carry.
 */
let relative: Intl.RelativeTimeFormat | null = null;
function relativeFormat(): Intl.RelativeTimeFormat {
  relative ??= new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  return relative;
}

const UNITS: { unit: Intl.RelativeTimeFormatUnit; seconds: number; below: number }[] = [
  { unit: "second", seconds: 1, below: 60 },
  { unit: "minute", seconds: 60, below: 3600 },
  { unit: "hour", seconds: 3600, below: 86_400 },
  { unit: "day", seconds: 86_400, below: 30 * 86_400 },
  { unit: "month", seconds: 30 * 86_400, below: 365 * 86_400 },
  { unit: "year", seconds: 365 * 86_400, below: Infinity },
];

/** `at` relative to `now`, in the largest unit that keeps a whole number ("3 minutes ago"). */
export function formatRelative(at: string | Date, now: Date): string {
  const time = typeof at === "string" ? Date.parse(at) : at.getTime();
  if (Number.isNaN(time)) return "at an unknown time";
  const delta = (time - now.getTime()) / 1000;
  const size = Math.abs(delta);
  const unit = UNITS.find((candidate) => size < candidate.below) ?? UNITS[UNITS.length - 1]!;
  // Truncate toward zero: 119 s is "1 minute ago", as people round ages down.
  const value = Math.trunc(delta / unit.seconds);
  return relativeFormat().format(value === 0 ? 0 : value, unit.unit);
}

/** A duration in at most two units: "850ms", "12s", "4m 48s", "2h 5m", "3d 4h". */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const total = Math.round(ms / 1000);
  const parts: [number, string][] = [
    [Math.floor(total / 86_400), "d"],
    [Math.floor((total % 86_400) / 3600), "h"],
    [Math.floor((total % 3600) / 60), "m"],
    [total % 60, "s"],
  ];
  const first = parts.findIndex(([value]) => value > 0);
  return parts
    .slice(first, first + 2)
    .filter(([value], index) => index === 0 || value > 0)
    .map(([value, suffix]) => `${value}${suffix}`)
    .join(" ");
}

/** Between two ISO times, or null when one is missing. */
export function elapsedBetween(start: string | null, end: string | null): string | null {
  if (!start || !end) return null;
  const ms = Date.parse(end) - Date.parse(start);
  return Number.isNaN(ms) ? null : formatElapsed(ms);
}

/** An ISO time without milliseconds, for absolute times that must not depend on the local zone. */
export function formatInstant(at: string): string {
  const time = new Date(at);
  return Number.isNaN(time.getTime()) ? at : time.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function shortSha(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 7) : "-";
}
