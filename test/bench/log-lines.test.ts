import test from "ava";
import { fetchRecords, parseLog, parseLogLine } from "../../bench/log-lines.js";

const line = (time: string, msg: string, fields: Record<string, unknown> = {}) => JSON.stringify({ time, level: "info", msg, host: "web1", ...fields });

test("a JSON log line is parsed with its time; anything else is skipped", (t) => {
  const lines = [line("2026-01-01T00:00:01.500Z", "started"), "plain stderr text", "{not json", JSON.stringify({ msg: "no time" })];

  const entries = parseLog(lines);

  t.is(entries.length, 1);
  t.is(entries[0]?.at, Date.parse("2026-01-01T00:00:01.500Z"));
  t.is(parseLogLine("{}"), null);
});

test("fetch-finished events give each fetch's start, end and outcome", (t) => {
  const entries = parseLog([
    line("2026-01-01T00:00:02.000Z", "remote fetched", { remote: "origin", durationMs: 999 }),
    line("2026-01-01T00:00:02.000Z", "fetch-finished", { remote: "origin", ok: true, error: null, durationMs: 250 }),
    line("2026-01-01T00:00:03.000Z", "fetch-finished", { remote: "mirror", ok: false, error: "down", durationMs: 100 }),
  ]);

  const records = fetchRecords(entries);

  t.deepEqual(records, [
    { remote: "origin", startedAt: Date.parse("2026-01-01T00:00:01.750Z"), endedAt: Date.parse("2026-01-01T00:00:02.000Z"), durationMs: 250, ok: true },
    { remote: "mirror", startedAt: Date.parse("2026-01-01T00:00:02.900Z"), endedAt: Date.parse("2026-01-01T00:00:03.000Z"), durationMs: 100, ok: false },
  ]);
});

test("without fetch events, the fetcher's own lines are used", (t) => {
  const entries = parseLog([
    line("2026-01-01T00:00:02.000Z", "remote fetched", { remote: "origin", durationMs: 500 }),
    line("2026-01-01T00:00:04.000Z", "remote fetch failed", { remote: "origin", durationMs: 40, error: "x" }),
  ]);

  const records = fetchRecords(entries);

  t.deepEqual(
    records.map((record) => [record.ok, record.durationMs, record.startedAt]),
    [
      [true, 500, Date.parse("2026-01-01T00:00:01.500Z")],
      [false, 40, Date.parse("2026-01-01T00:00:03.960Z")],
    ],
  );
});
