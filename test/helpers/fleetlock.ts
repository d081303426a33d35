/**
 * A small FleetLock server for tests (Zincati's protocol, as airlock serves it): `POST
 * /v1/pre-reboot` and `POST /v1/steady-state`, with one semaphore of `slots`, requests recorded,
 * and a switch to refuse every pre-reboot. Answers 400 to requests without the protocol header.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Teardown } from "./temp.js";

export interface FleetLockRequest {
  path: string;
  header: string | undefined;
  body: unknown;
}

export class FleetLockServer {
  readonly requests: FleetLockRequest[] = [];
  readonly holders = new Set<string>();
  /** Every pre-reboot is refused while true (as a server whose semaphore is full). */
  refuse = false;

  private constructor(
    private readonly server: http.Server,
    readonly slots: number,
  ) {}

  static async start(t: Teardown, slots = 1): Promise<FleetLockServer> {
    const server = http.createServer();
    const lock = new FleetLockServer(server, slots);
    server.on("request", (req, res) => lock.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return lock;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    req.on("end", () => {
      const body = text ? (JSON.parse(text) as { client_params?: { id?: string; group?: string } }) : null;
      const header = req.headers["fleet-lock-protocol"] as string | undefined;
      this.requests.push({ path: req.url ?? "", header, body });
      const reply = (status: number, value: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
      const id = body?.client_params?.id;
      if (header !== "true" || !id) return reply(400, { kind: "bad_request", value: "missing fleet-lock-protocol header or client_params.id" });
      if (req.url === "/v1/pre-reboot") {
        if (this.holders.has(id)) return reply(200, {});
        if (this.refuse || this.holders.size >= this.slots) return reply(409, { kind: "failed_lock", value: "semaphore is full" });
        this.holders.add(id);
        return reply(200, {});
      }
      if (req.url === "/v1/steady-state") {
        this.holders.delete(id);
        return reply(200, {});
      }
      return reply(404, { kind: "not_found", value: req.url });
    });
  }
}
