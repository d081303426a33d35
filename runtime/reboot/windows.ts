/**
 * Reboot windows (behaviour.md §8), on the wall clock of each window's time zone: a window is open
 * while the local clock reads from `from` (inclusive) to `to` (exclusive) on one of its days, the
 * day being the one of `from` (a window with `from` > `to` ends the next day).
 *
 * Daylight-saving changes follow the wall clock: on a spring-forward day the skipped hour never
 * reads on the clock, so a window inside it does not open that day, and a window that contains it
 * is shorter; on a fall-back day the repeated hour reads twice, so a window inside it opens twice.
 * Time zone arithmetic is luxon's (the tz database of Node's ICU). Luxon is loaded on first use
 * (synchronously: the planner calling these is synchronous), so a machine without reboot windows
 * never carries it.
 */
import { createRequire } from "node:module";
import type { DateTime, IANAZone } from "luxon";
import type { DayName, RebootWindowConfig } from "../../dsl/schema.js";

let loaded: typeof import("luxon") | null = null;
function luxon(): typeof import("luxon") {
  loaded ??= createRequire(import.meta.url)("luxon") as typeof import("luxon");
  return loaded;
}

const WEEKDAYS: Record<DayName, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** Far enough to find the next opening even when a weekly window falls in a DST gap once. */
const LOOKAHEAD_DAYS = 15;

function minutesOf(time: string): number {
  const [hours = 0, minutes = 0] = time.split(":").map(Number);
  return hours * 60 + minutes;
}

function openAt(ms: number, window: RebootWindowConfig): boolean {
  const from = minutesOf(window.from);
  const to = minutesOf(window.to);
  if (from === to) return false;
  const local = luxon().DateTime.fromMillis(ms, { zone: window.timeZone });
  const minute = local.hour * 60 + local.minute;
  const opensOn = (date: DateTime) => window.days.some((day) => WEEKDAYS[day] === date.weekday);
  if (from < to) return minute >= from && minute < to && opensOn(local);
  // Spanning midnight: the evening part opens on its day, the morning part belongs to the day before.
  if (minute >= from) return opensOn(local);
  return minute < to && opensOn(local.minus({ days: 1 }));
}

/** Whether `now` is inside one of the windows; no windows means always. */
export function isInsideWindow(now: Date, windows: RebootWindowConfig[]): boolean {
  if (windows.length === 0) return true;
  return windows.some((window) => openAt(now.getTime(), window));
}

/** Instants of the wall-clock time `time` on each local date from `startMs` on (both, when it reads twice). */
function wallClockInstants(zone: IANAZone, startMs: number, time: string): number[] {
  const minutes = minutesOf(time);
  const first = luxon().DateTime.fromMillis(startMs, { zone }).startOf("day").minus({ days: 1 });
  const instants: number[] = [];
  for (let day = 0; day <= LOOKAHEAD_DAYS + 1; day++) {
    const date = first.plus({ days: day });
    const naive = Date.UTC(date.year, date.month - 1, date.day, Math.floor(minutes / 60), minutes % 60);
    // Every offset in effect around that date; a time in a gap matches none, a repeated time two.
    const offsets = new Set([zone.offset(naive - DAY_MS), zone.offset(naive), zone.offset(naive + DAY_MS)]);
    for (const offset of offsets) {
      const instant = naive - offset * MINUTE_MS;
      if (zone.offset(instant) === offset) instants.push(instant);
    }
  }
  return instants;
}

/** Instants at which the zone's offset changes (the wall clock jumps) between the two times. */
function offsetChanges(zone: IANAZone, startMs: number, endMs: number): number[] {
  const changes: number[] = [];
  for (let low = startMs; low < endMs; low += DAY_MS / 2) {
    let lo = low;
    let hi = Math.min(low + DAY_MS / 2, endMs);
    if (zone.offset(lo) === zone.offset(hi)) continue;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (zone.offset(mid) === zone.offset(lo)) lo = mid;
      else hi = mid;
    }
    changes.push(hi);
  }
  return changes;
}

/**
 * The first instant at or after `now` inside a window: `now` itself when already inside, null when
 * no window opens in the next two weeks (an empty window, or none at all).
 */
export function nextWindowStart(now: Date, windows: RebootWindowConfig[]): Date | null {
  if (isInsideWindow(now, windows)) return now;
  const start = now.getTime();
  const end = start + LOOKAHEAD_DAYS * DAY_MS;
  // Inside-ness only changes when the clock reads `from` or `to`, or jumps: the opening is one of these.
  const candidates = windows.flatMap((window) => {
    const zone = luxon().IANAZone.create(window.timeZone);
    return [...wallClockInstants(zone, start, window.from), ...offsetChanges(zone, start, end)];
  });
  const next = candidates
    .filter((ms) => ms > start && ms <= end && isInsideWindow(new Date(ms), windows))
    .sort((a, b) => a - b)[0];
  return next === undefined ? null : new Date(next);
}

/** The window that opens next (the first whose opening is `nextWindowStart`), and that instant. */
export function nextWindowOpening(now: Date, windows: RebootWindowConfig[]): { window: RebootWindowConfig; at: Date } | null {
  const at = nextWindowStart(now, windows);
  if (at === null) return null;
  const window = windows.find((candidate) => openAt(at.getTime(), candidate));
  return window ? { window, at } : null;
}

/** "mon-fri 02:00-04:00 Europe/Paris, opens Mon 22 Jun 02:00 Europe/Paris" (issue 14.6). */
export function describeWindowOpening(opening: { window: RebootWindowConfig; at: Date }): string {
  const { window, at } = opening;
  const local = luxon().DateTime.fromJSDate(at, { zone: window.timeZone }).setLocale("en-GB");
  return `${window.days.join(",")} ${window.from}-${window.to} ${window.timeZone}, opens ${local.toFormat("ccc d LLL HH:mm")} ${window.timeZone}`;
}
