/**
 * When did `switch-to-configuration` run? The test systems' fake one appends "<op> <outPath>" to
 * a record file (scripts/lib/test-system.ts); the kernel stamps that write as the file's mtime, so
 * the time is taken by the kernel at the write, not by a poller's wake-up. (Linux file times
 * come from a coarse clock: a few ms of resolution, small against a cycle of several 100 ms.)
 */
import { readFile, stat } from "node:fs/promises";

export class RecordTimeoutError extends Error {
  override readonly name = "RecordTimeoutError";
}

export async function recordLineCount(file: string): Promise<number> {
  const text = await readFile(file, "utf8");
  return text.split("\n").filter(Boolean).length;
}

/**
 * Waits (polling with a deadline) until `file` has more than `previousCount` lines; returns the
 * mtime of the file then, in ms since the epoch, and the new lines.
 */
export async function waitForRecord(file: string, previousCount: number, timeoutMs: number, what: string): Promise<{ at: number; lines: string[] }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const before = await stat(file);
    const lines = (await readFile(file, "utf8")).split("\n").filter(Boolean);
    // Same mtime before and after the read: the file did not change under us.
    const after = await stat(file);
    if (lines.length > previousCount && before.mtimeMs === after.mtimeMs) return { at: after.mtimeMs, lines: lines.slice(previousCount) };
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new RecordTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what} (switch-to-configuration never wrote ${file})`);
}
