/**
 * The daemon's own account of what it did: its log is one JSON object per line
 * (`{ time, level, msg, ...fields }`, runtime/log.ts). The benchmarks time the agent from these
 * lines rather than from the outside, so that they measure the agent, not the harness.
 */
export interface LogEntry {
  /** `time` of the line, in ms since the epoch. */
  at: number;
  msg: string;
  fields: Record<string, unknown>;
}

/** A JSON log line, or null for anything else (a stray stderr line). */
export function parseLogLine(line: string): LogEntry | null {
  if (!line.startsWith("{")) return null;
  try {
    const value = JSON.parse(line) as Record<string, unknown>;
    const at = typeof value.time === "string" ? Date.parse(value.time) : Number.NaN;
    if (typeof value.msg !== "string" || Number.isNaN(at)) return null;
    return { at, msg: value.msg, fields: value };
  } catch {
    return null;
  }
}

export function parseLog(lines: readonly string[]): LogEntry[] {
  return lines.map(parseLogLine).filter((entry): entry is LogEntry => entry !== null);
}

export interface FetchRecord {
  remote: string;
  /** When the fetch of this remote started (its end minus its duration), ms since the epoch. */
  startedAt: number;
  endedAt: number;
  durationMs: number;
  ok: boolean;
}

/**
 * Fetches the daemon reported: its `fetch-finished` events (one per remote and fetch, with the
 * remote's own `durationMs`, emitted as soon as the round's fetches are done), or, from a daemon
 * that does not emit them, its "remote fetched" / "remote fetch failed" lines.
 */
export function fetchRecords(entries: readonly LogEntry[]): FetchRecord[] {
  const events = entries.some((entry) => entry.msg === "fetch-finished");
  const records: FetchRecord[] = [];
  for (const entry of entries) {
    const isRecord = events ? entry.msg === "fetch-finished" : entry.msg === "remote fetched" || entry.msg === "remote fetch failed";
    if (!isRecord) continue;
    const remote = entry.fields.remote;
    const durationMs = entry.fields.durationMs;
    if (typeof remote !== "string" || typeof durationMs !== "number") continue;
    const ok = events ? entry.fields.ok === true : entry.msg === "remote fetched";
    records.push({ remote, startedAt: entry.at - durationMs, endedAt: entry.at, durationMs, ok });
  }
  return records;
}
