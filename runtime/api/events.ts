/**
 * `GET /v1/events`: every controller event as one JSON line, written as it happens. A client that
 * does not read must never hold the daemon back: writes only ever go to the client's buffer, and a
 * client whose buffer passes the limit is disconnected.
 */
import type { ServerResponse } from "node:http";
import type { Logger } from "../log.js";
import type { CominEvent, Controller } from "../types.js";

export const DEFAULT_EVENT_BUFFER_BYTES = 1024 * 1024;

interface EventClient {
  res: ServerResponse;
  unsubscribe: () => void;
}

export class EventStreams {
  private readonly clients = new Set<EventClient>();

  constructor(
    private readonly controller: Controller,
    private readonly log: Logger,
    private readonly maxBufferedBytes = DEFAULT_EVENT_BUFFER_BYTES,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  attach(res: ServerResponse): void {
    res.writeHead(200, { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store" });
    res.flushHeaders();
    const client: EventClient = { res, unsubscribe: () => {} };
    client.unsubscribe = this.controller.subscribe((event) => this.deliver(client, event));
    this.clients.add(client);
    // The response's "close" means the client went away (or we ended the stream); the request's
    // own "close" only says that its (empty) body was read.
    res.once("close", () => this.detach(client));
  }

  /** Ends every stream (daemon shutdown): clients see a clean end of stream. */
  closeAll(): void {
    for (const client of [...this.clients]) {
      this.detach(client);
      client.res.end();
    }
  }

  private deliver(client: EventClient, event: CominEvent): void {
    // Runs inside the daemon's emit: it must neither throw nor wait.
    try {
      const line = `${JSON.stringify(event)}\n`;
      if (client.res.writableLength + Buffer.byteLength(line) > this.maxBufferedBytes) {
        this.log.warn("dropping an event stream client that does not keep up", { bufferedBytes: client.res.writableLength });
        this.detach(client);
        client.res.destroy();
        return;
      }
      client.res.write(line);
    } catch (error) {
      this.log.warn("event stream write failed", { error });
      this.detach(client);
      client.res.destroy();
    }
  }

  private detach(client: EventClient): void {
    if (!this.clients.delete(client)) return;
    client.unsubscribe();
  }
}
