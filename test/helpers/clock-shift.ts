/**
 * Moving the real daemon's wall clock (behaviour.md §8: clocks jump). `ClockShift.create` gives the
 * environment to start the daemon with; `shift(ms)` moves its clock forward (or back) at once.
 */
import { rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";

const PRELOAD = fileURLToPath(new URL("./clock-shift-preload.js", import.meta.url));

export class ClockShift {
  private offsetMs = 0;

  private constructor(readonly file: string) {}

  static async create(dir: string): Promise<ClockShift> {
    const clock = new ClockShift(path.join(dir, "clock-offset"));
    await writeFile(clock.file, "0");
    return clock;
  }

  /** Environment for `Daemon.start`: the daemon's `Date` follows the offset file. */
  env(): Record<string, string> {
    const existing = process.env.NODE_OPTIONS ?? "";
    return { NODE_OPTIONS: `${existing} --import ${pathToFileURL(PRELOAD).href}`.trim(), COMIN_TEST_CLOCK_OFFSET_FILE: this.file };
  }

  /** Moves the daemon's clock by `ms` more (the daemon sees it within 20 ms). */
  async shift(ms: number): Promise<void> {
    this.offsetMs += ms;
    await writeFile(`${this.file}.tmp`, String(this.offsetMs));
    await rename(`${this.file}.tmp`, this.file);
  }

  /** The daemon's notion of now. */
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}
