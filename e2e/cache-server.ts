/**
 * A binary cache node for the lab: `cache-server-main.js` (a static HTTP server of the directory CI
 * copied the closures to) inside its own namespace, on `http://<node address>:8080`. Requests are
 * collected from its output, so a test can see which machine asked for what.
 */
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { waitFor } from "../test/helpers/git.js";
import type { LabNode, NetworkLab, Teardown } from "./network-lab.js";

const PORT = 8080;
const MAIN = fileURLToPath(new URL("./cache-server-main.js", import.meta.url));

export class CacheNode {
  readonly requests: string[] = [];

  private constructor(
    readonly node: LabNode,
    private readonly process: ResultPromise,
  ) {}

  get url(): string {
    return `http://${this.node.address}:${PORT}`;
  }

  static async start(t: Teardown, lab: NetworkLab, node: LabNode, root: string): Promise<CacheNode> {
    const [file, args] = lab.command(node, process.execPath, [MAIN, root, node.address, String(PORT)]);
    const running = execa(file, args, { reject: false, stdin: "ignore", buffer: false });
    const cache = new CacheNode(node, running);
    let listening = false;
    let rest = "";
    running.stdout?.setEncoding("utf8");
    running.stdout?.on("data", (chunk: string) => {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "listening") listening = true;
        else if (line.startsWith("GET ")) cache.requests.push(line.slice(4));
      }
    });
    t.teardown(async () => {
      cache.process.kill("SIGTERM");
      await cache.process;
    });
    await waitFor(() => listening, { timeoutMs: 15_000, intervalMs: 50, message: `the cache did not serve ${cache.url} within 15 s` });
    return cache;
  }
}
