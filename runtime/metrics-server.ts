/**
 * The exporter's HTTP listener: `GET /metrics` (and HEAD) answers the registry of metrics.ts in
 * Prometheus' text format; every other path is 404, every other method 405.
 */
import http from "node:http";
import { listenHttp } from "./http-listen.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";

export interface MetricsServer {
  close(): Promise<void>;
  port: number;
}

/** Serves `GET /metrics` (Prometheus text format); everything else is 404. */
export async function startMetricsServer(args: { listenAddress: string; port: number; metrics: Metrics; log: Logger }): Promise<MetricsServer> {
  const { metrics, log } = args;
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? "/", "http://comin.invalid").pathname;
    if (pathname !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found: the metrics are at /metrics\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }).end("use GET\n");
      return;
    }
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { "content-type": metrics.registry.contentType, "content-length": Buffer.byteLength(text) });
        res.end(req.method === "HEAD" ? undefined : text);
      },
      (error: unknown) => {
        log.error("collecting metrics failed", { error });
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("collecting metrics failed\n");
      },
    );
  });
  const listening = await listenHttp(server, args.port, args.listenAddress);
  log.info("metrics listening", { address: args.listenAddress, port: listening.port });
  return listening;
}
