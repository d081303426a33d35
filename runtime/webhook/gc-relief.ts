/**
 * Bytes read from clients pass through buffers that only the garbage collector frees, and V8 lets
 * up to 64 MiB of them pile up (its external-memory limit) before it collects: a flood of refused
 * bodies would grow the daemon by that much, and for good, since freed memory is not handed back
 * to the system. Once `everyBytes` have been read on connections that are now closed, a young-
 * generation collection (about a millisecond here) is asked for, at most one per `minIntervalMs`.
 */
import type { Socket } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

type Collect = (options: { type: "minor" }) => void;

let collector: Collect | null | undefined;

/** V8's collector, exposed once for this isolate; null where that is refused. */
function getCollector(): Collect | null {
  if (collector === undefined) {
    try {
      setFlagsFromString("--expose-gc");
      collector = runInNewContext("gc") as Collect;
    } catch {
      collector = null;
    }
  }
  return collector;
}

export class GcRelief {
  private pending = 0;
  private last = 0;
  /** Collections asked for, since the start. */
  collections = 0;

  constructor(
    private readonly everyBytes = 1024 * 1024,
    private readonly minIntervalMs = 20,
  ) {}

  /**
   * Counts what a closed connection had sent. (Not earlier: a collection while a refused body is
   * still referenced would only move it to the old generation, which is collected even later.)
   */
  closed(socket: Socket): void {
    this.pending += socket.bytesRead;
    const now = Date.now();
    if (this.pending < this.everyBytes || now - this.last < this.minIntervalMs) return;
    const collect = getCollector();
    if (collect === null) return;
    this.pending = 0;
    this.last = now;
    this.collections++;
    collect({ type: "minor" });
  }
}
