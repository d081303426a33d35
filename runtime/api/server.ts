/**
 * The daemon's local control API: HTTP with JSON bodies over a root-only Unix socket
 * (`<stateDir>/comin.sock`). The CLI client commands are its only intended users.
 */
import http from "node:http";
import { rm } from "node:fs/promises";
import type { Logger } from "../log.js";
import type { Controller } from "../types.js";
import { DEFAULT_EVENT_BUFFER_BYTES, EventStreams } from "./events.js";
import { DEFAULT_API_BODY_BYTES, handleApiRequest } from "./routes.js";
import { claimSocketPath, listenPrivately } from "./socket.js";

export { SocketInUseError } from "./socket.js";

export interface ApiServerArgs {
  socketPath: string;
  controller: Controller;
  log: Logger;
  /** Largest accepted request body. @default 65536 */
  maxBodyBytes?: number;
  /** Unsent event bytes a stream client may accumulate before it is dropped. @default 1048576 */
  eventBufferBytes?: number;
}

export interface ApiServer {
  close(): Promise<void>;
}

export async function startApiServer(args: ApiServerArgs): Promise<ApiServer> {
  const { socketPath, controller, log } = args;
  await claimSocketPath(socketPath);
  const events = new EventStreams(controller, log, args.eventBufferBytes ?? DEFAULT_EVENT_BUFFER_BYTES);
  const context = { controller, log, events, maxBodyBytes: args.maxBodyBytes ?? DEFAULT_API_BODY_BYTES };
  const server = http.createServer((req, res) => {
    void handleApiRequest(req, res, context);
  });
  await listenPrivately(server, socketPath);
  log.info("local API listening", { socket: socketPath });
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        events.closeAll();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          // A request still waiting (fetch --wait) gets a moment, then is cut: shutdown never hangs on it.
          setTimeout(() => server.closeAllConnections(), 1000).unref();
        });
        await rm(socketPath, { force: true });
      })();
      return closing;
    },
  };
}
