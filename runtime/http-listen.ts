import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Listening {
  /** The bound port (useful when 0 was asked for). */
  port: number;
  /** Stops accepting, and drops open connections so that close never waits on a slow client. */
  close(): Promise<void>;
}

/** Binds an HTTP server, rejecting on a bind error (port in use, bad address) instead of crashing. */
export async function listenHttp(server: Server, port: number, address: string): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
