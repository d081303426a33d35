/**
 * Loaded into the daemon with `node --import` (see clock-shift.ts): moves its wall clock by the
 * number of milliseconds written in the file named by COMIN_TEST_CLOCK_OFFSET_FILE, as NTP or a
 * resumed laptop would. Timers are not touched: only what `Date` says changes, at once.
 */
import { readFileSync } from "node:fs";

const file = process.env.COMIN_TEST_CLOCK_OFFSET_FILE;
if (file) {
  const RealDate = Date;
  let offset = 0;
  let readAt = -Infinity;
  const currentOffset = (): number => {
    const now = RealDate.now();
    if (now - readAt > 20) {
      readAt = now;
      try {
        offset = Number(readFileSync(file, "utf8").trim()) || 0;
      } catch {
        // The file is written by the test: keep the last offset read.
      }
    }
    return offset;
  };
  class ShiftedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + currentOffset());
      else super(...(args as [number]));
    }

    static override now(): number {
      return RealDate.now() + currentOffset();
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
}
