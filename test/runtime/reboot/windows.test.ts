import test from "ava";
import type { DayName, RebootWindowConfig } from "../../../dsl/schema.js";
import { isInsideWindow, nextWindowStart } from "../../../runtime/reboot/windows.js";

const ALL_DAYS: DayName[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

function window(from: string, to: string, extra: Partial<RebootWindowConfig> = {}): RebootWindowConfig {
  return { days: ALL_DAYS, from, to, timeZone: "UTC", ...extra };
}

const at = (iso: string) => new Date(iso);

test("no windows means always inside, and the next start is now", (t) => {
  const now = at("2026-03-04T12:00:00Z");

  t.true(isInsideWindow(now, []));
  t.deepEqual(nextWindowStart(now, []), now);
});

test("inside and outside a window; from is inclusive, to exclusive", (t) => {
  const windows = [window("02:00", "04:00")];

  t.false(isInsideWindow(at("2026-03-04T01:59:59Z"), windows));
  t.true(isInsideWindow(at("2026-03-04T02:00:00Z"), windows));
  t.true(isInsideWindow(at("2026-03-04T03:59:59Z"), windows));
  t.false(isInsideWindow(at("2026-03-04T04:00:00Z"), windows));
});

test("a window's times are read in its time zone", (t) => {
  // 02:00-04:00 in Paris (UTC+1 in winter) is 01:00-03:00 UTC.
  const windows = [window("02:00", "04:00", { timeZone: "Europe/Paris" })];

  t.true(isInsideWindow(at("2026-01-14T01:30:00Z"), windows));
  t.false(isInsideWindow(at("2026-01-14T03:30:00Z"), windows));
});

test("a window spanning midnight belongs to the day it opens", (t) => {
  // Opens Friday 22:00, closes Saturday 02:00. 2026-03-06 is a Friday.
  const windows = [window("22:00", "02:00", { days: ["fri"] })];

  t.true(isInsideWindow(at("2026-03-06T23:00:00Z"), windows), "Friday night");
  t.true(isInsideWindow(at("2026-03-07T01:59:00Z"), windows), "Saturday early morning, still Friday's window");
  t.false(isInsideWindow(at("2026-03-07T02:00:00Z"), windows));
  t.false(isInsideWindow(at("2026-03-07T23:00:00Z"), windows), "Saturday night: not a window day");
  t.false(isInsideWindow(at("2026-03-06T01:00:00Z"), windows), "Friday early morning belongs to Thursday");
});

test("days restrict the window; several windows combine", (t) => {
  // 2026-03-04 is a Wednesday, 2026-03-07 a Saturday.
  const windows = [window("02:00", "04:00", { days: ["mon", "tue", "wed", "thu", "fri"] }), window("10:00", "16:00", { days: ["sat", "sun"] })];

  t.true(isInsideWindow(at("2026-03-04T03:00:00Z"), windows));
  t.false(isInsideWindow(at("2026-03-04T11:00:00Z"), windows));
  t.false(isInsideWindow(at("2026-03-07T03:00:00Z"), windows));
  t.true(isInsideWindow(at("2026-03-07T11:00:00Z"), windows));
});

test("Europe/Paris spring forward: the skipped hour never reads on the clock", (t) => {
  // 2026-03-29: at 01:00 UTC, Paris goes from 02:00 CET to 03:00 CEST.
  const spanning = [window("02:00", "04:00", { timeZone: "Europe/Paris" })];
  const inGap = [window("02:15", "02:45", { timeZone: "Europe/Paris" })];

  t.false(isInsideWindow(at("2026-03-29T00:59:00Z"), spanning), "01:59 CET");
  t.true(isInsideWindow(at("2026-03-29T01:00:00Z"), spanning), "03:00 CEST: the clock jumped into the window");
  t.true(isInsideWindow(at("2026-03-29T01:59:00Z"), spanning), "03:59 CEST");
  t.false(isInsideWindow(at("2026-03-29T02:00:00Z"), spanning), "04:00 CEST: the window lasted one hour that night");
  t.false(isInsideWindow(at("2026-03-29T01:20:00Z"), inGap), "03:20 CEST");
  t.deepEqual(nextWindowStart(at("2026-03-28T23:00:00Z"), spanning), at("2026-03-29T01:00:00Z"), "opens at the jump");
  t.deepEqual(nextWindowStart(at("2026-03-28T23:00:00Z"), inGap), at("2026-03-30T00:15:00Z"), "skipped that night, opens the next one (02:15 CEST)");
});

test("Europe/Paris fall back: the repeated hour reads twice", (t) => {
  // 2026-10-25: at 01:00 UTC, Paris goes from 03:00 CEST back to 02:00 CET.
  const windows = [window("02:00", "02:30", { timeZone: "Europe/Paris" })];

  t.true(isInsideWindow(at("2026-10-25T00:15:00Z"), windows), "02:15 CEST");
  t.false(isInsideWindow(at("2026-10-25T00:45:00Z"), windows), "02:45 CEST");
  t.true(isInsideWindow(at("2026-10-25T01:15:00Z"), windows), "02:15 CET, the second time");
  t.false(isInsideWindow(at("2026-10-25T01:30:00Z"), windows), "02:30 CET");
  t.deepEqual(nextWindowStart(at("2026-10-25T00:40:00Z"), windows), at("2026-10-25T01:00:00Z"), "it opens again at 02:00 CET");
});

test("nextWindowStart is now inside a window, else the next opening", (t) => {
  const weekdays = [window("02:00", "04:00", { days: ["mon", "tue", "wed", "thu", "fri"], timeZone: "Europe/Paris" })];
  const inside = at("2026-03-04T01:30:00Z");

  t.deepEqual(nextWindowStart(inside, weekdays), inside);
  // Friday 2026-03-06 at 05:00 UTC: the next opening is Monday 02:00 CET.
  t.deepEqual(nextWindowStart(at("2026-03-06T05:00:00Z"), weekdays), at("2026-03-09T01:00:00Z"));
  // Two windows: the earlier opening wins.
  t.deepEqual(nextWindowStart(at("2026-03-06T05:00:00Z"), [...weekdays, window("22:00", "23:00", { days: ["sat"] })]), at("2026-03-07T22:00:00Z"));
});

test("nextWindowStart is null when no window can open", (t) => {
  t.is(nextWindowStart(at("2026-03-04T12:00:00Z"), [window("03:00", "03:00")]), null);
});

test("a window in UTC ignores daylight saving elsewhere", (t) => {
  const windows = [window("01:00", "02:00")];

  t.true(isInsideWindow(at("2026-03-29T01:30:00Z"), windows));
  t.deepEqual(nextWindowStart(at("2026-03-29T02:00:00Z"), windows), at("2026-03-30T01:00:00Z"));
});
