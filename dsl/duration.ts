/**
 * Durations are either a number of seconds or a compact string of hours, minutes and seconds in
 * that order ("90s", "5m", "2h", "1h30m", "1h0m30s"). The grammar is deliberately strict (lax
 * parsers accept "5 minutes" or "1.5h", which hide typos); this is why it is a small regex and not
 * a general-purpose duration package.
 */
const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** The accepted forms, for error messages. */
export const DURATION_FORMS = 'a whole number of seconds, or a string such as "90s", "5m", "2h", "1h30m"';

/** Seconds, or `undefined` when the value is not a duration. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "number") {
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  }
  if (typeof value !== "string" || value === "") return undefined;
  const match = DURATION.exec(value);
  if (!match) return undefined;
  const [, hours = "0", minutes = "0", seconds = "0"] = match;
  return Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
}

/** The shortest string form of a number of seconds: 5400 → "1h30m", 0 → "0s". */
export function formatDuration(totalSeconds: number): string {
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const text = `${hours ? `${hours}h` : ""}${minutes ? `${minutes}m` : ""}${seconds ? `${seconds}s` : ""}`;
  return text === "" ? "0s" : text;
}
