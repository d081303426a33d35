/**
 * The daemon's event stream as a test sees it: `GET /v1/events` on the real Unix socket, every JSON
 * line kept in order, so that a test asserts what the agent announced rather than a log line.
 */
import http from "node:http";
import type { CominEvent } from "../../runtime/types.js";
import type { Teardown } from "./temp.js";

/** The event of one type (some event shapes carry two type words, e.g. eval-/build-finished). */
export type EventOf<T extends CominEvent["type"]> = CominEvent extends infer E ? (E extends { type: infer U } ? (T extends U ? E & { type: T } : never) : never) : never;

export class EventLog {
  readonly events: CominEvent[] = [];
  private request: http.ClientRequest | null = null;

  private constructor() {}

  /** Subscribes and resolves once the daemon answered: events from then on are collected. */
  static open(t: Teardown, socketPath: string): Promise<EventLog> {
    const log = new EventLog();
    t.teardown(() => log.close());
    return new Promise((resolve, reject) => {
      const req = http.request({ socketPath, path: "/v1/events", method: "GET" }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`GET /v1/events answered ${String(res.statusCode)}`));
          return;
        }
        let buffer = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffer += chunk;
          const lines = buffer.split("\n");
          buffer = lines.pop() ?? "";
          for (const line of lines) if (line.trim() !== "") log.events.push(JSON.parse(line) as CominEvent);
        });
        resolve(log);
      });
      req.on("error", (error) => {
        if (log.request === null) reject(error);
      });
      req.end();
      log.request = req;
    });
  }

  ofType<T extends CominEvent["type"]>(type: T): EventOf<T>[] {
    return this.events.filter((event): event is EventOf<T> => event.type === type);
  }

  /** Waits for an event matching `predicate`; fails with the events seen so far. */
  async waitFor<T extends CominEvent["type"]>(type: T, predicate: (event: EventOf<T>) => boolean, timeoutMs: number, what: string): Promise<EventOf<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.ofType(type).find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events: ${this.events.map((e) => e.type).join(", ")}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  close(): void {
    this.request?.destroy();
  }
}
