/**
 * The "service" of a lab machine for the health e2e suite (behaviour.md §14): an HTTP server on
 * 127.0.0.1 of the machine's own network namespace, healthy (200) unless the machine's current
 * system is one of the bad variants (500). Run as `node health-service.js <current-system link>
 * <port> [bad variant…]`; prints "listening" once it accepts connections.
 */
import { readFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";

const [currentSystem = "", port = "8080", ...bad] = process.argv.slice(2);

const server = http.createServer((_req, res) => {
  void readFile(path.join(currentSystem, "variant"), "utf8")
    .catch(() => "?")
    .then((variant) => {
      res.writeHead(bad.includes(variant) ? 500 : 200, { "content-type": "text/plain" });
      res.end(`${variant}\n`);
    });
});
server.listen(Number(port), "127.0.0.1", () => process.stdout.write("listening\n"));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
