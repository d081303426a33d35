/**
 * A real etcd (`/usr/bin/etcd`, Debian's etcd-server) for one test: its own data directory, free
 * loopback ports (or an address inside a lab namespace), stopped when the test ends; and a reader
 * of the reboot lock's key through etcd's JSON gateway, as the agent uses it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { execa } from "execa";
import { freePort, type Teardown } from "./temp.js";

export const ETCD = "/usr/bin/etcd";
export const ETCDCTL = "/usr/bin/etcdctl";

export interface EtcdOptions {
  /** Address to listen on; 127.0.0.1 by default. */
  host?: string;
  clientPort?: number;
  peerPort?: number;
  /** Serve the clients over TLS with this certificate, and ask them for one signed by `caFile`. */
  tls?: { certFile: string; keyFile: string; caFile: string };
  /** Turns the command into another one (`ip netns exec <ns> …`). */
  wrap?: (file: string, args: string[]) => [string, string[]];
}

export class Etcd {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  readonly lines: string[] = [];

  private constructor(
    readonly dataDir: string,
    readonly host: string,
    readonly clientPort: number,
    readonly peerPort: number,
    private readonly wrap: NonNullable<EtcdOptions["wrap"]>,
    private readonly tls: EtcdOptions["tls"],
  ) {}

  /** Starts etcd under `dir` and waits until it serves; stopped at the end of the test. */
  static async start(t: Teardown, dir: string, options: EtcdOptions = {}): Promise<Etcd> {
    const dataDir = path.join(dir, "etcd-data");
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const etcd = new Etcd(dataDir, options.host ?? "127.0.0.1", options.clientPort ?? (await freePort()), options.peerPort ?? (await freePort()), options.wrap ?? ((file, args) => [file, args]), options.tls);
    t.teardown(() => etcd.stop());
    await etcd.resume();
    return etcd;
  }

  get endpoint(): string {
    return `${this.tls ? "https" : "http"}://${this.host}:${this.clientPort}`;
  }

  /** (Re)starts the process on the same ports and data, and waits until it answers. */
  async resume(): Promise<void> {
    const peer = `http://${this.host}:${this.peerPort}`;
    const [file, args] = this.wrap(ETCD, [
      "--name=comin-test",
      `--data-dir=${this.dataDir}`,
      `--listen-client-urls=${this.endpoint}`,
      `--advertise-client-urls=${this.endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=comin-test=${peer}`,
      "--log-level=error",
      ...(this.tls ? [`--cert-file=${this.tls.certFile}`, `--key-file=${this.tls.keyFile}`, `--trusted-ca-file=${this.tls.caFile}`, "--client-cert-auth"] : []),
    ]);
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.arch === "arm64" ? "arm64" : "" } });
    this.child = child;
    const collect = (chunk: Buffer) => this.lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    this.exited = new Promise((resolve) => child.on("exit", () => resolve()));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`etcd exited (${child.exitCode}):\n${this.lines.slice(-20).join("\n")}`);
      if (await this.healthy()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`etcd did not answer on ${this.endpoint} within 20s:\n${this.lines.slice(-20).join("\n")}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    await this.exited;
  }

  /** Runs etcdctl against this etcd, through the same wrap (so inside its namespace too). */
  async etcdctl(args: string[]): Promise<string> {
    const [file, wrapped] = this.wrap(ETCDCTL, [`--endpoints=${this.endpoint}`, "--command-timeout=2s", ...args]);
    return (await execa(file, wrapped, { stdin: "ignore", env: { ETCDCTL_API: "3" } })).stdout;
  }

  /**
   * Watches `key` with `etcdctl watch` (every revision, none skipped); calls `onValue` with each
   * value put. Stopped at the end of the test, or by the returned function.
   */
  watch(t: Teardown, key: string, onValue: (value: unknown) => void): () => void {
    const [file, args] = this.wrap(ETCDCTL, [`--endpoints=${this.endpoint}`, "watch", key]);
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, ETCDCTL_API: "3" } });
    let buffer = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) if (line.startsWith("{")) onValue(JSON.parse(line));
    });
    const stop = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    };
    t.teardown(stop);
    return stop;
  }

  private async healthy(): Promise<boolean> {
    // Over TLS the client needs a certificate: wait for the port to accept connections instead.
    if (this.tls) return portOpen(this.host, this.clientPort);
    if (this.host !== "127.0.0.1") return this.etcdctl(["endpoint", "health"]).then(() => true, () => false);
    try {
      const response = await fetch(`${this.endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      return response.ok && ((await response.json()) as { health?: string }).health === "true";
    } catch {
      return false;
    }
  }

  /** The value of `key` as JSON, or null when it does not exist. */
  async get(key: string): Promise<unknown> {
    if (this.host !== "127.0.0.1") {
      const value = await this.etcdctl(["get", "--print-value-only", key]);
      return value.trim() === "" ? null : JSON.parse(value);
    }
    const response = await fetch(`${this.endpoint}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: Buffer.from(key).toString("base64") }) });
    const body = (await response.json()) as { kvs?: { value: string }[] };
    const value = body.kvs?.[0]?.value;
    return value === undefined ? null : JSON.parse(Buffer.from(value, "base64").toString("utf8"));
  }

  async put(key: string, value: unknown): Promise<void> {
    const encode = (text: string) => Buffer.from(text).toString("base64");
    const response = await fetch(`${this.endpoint}/v3/kv/put`, { method: "POST", body: JSON.stringify({ key: encode(key), value: encode(JSON.stringify(value)) }) });
    if (!response.ok) throw new Error(`etcd put ${key}: HTTP ${response.status}`);
  }

  /** The holders of a group's lock (`<prefix>/<group>`), [] when the key is absent. */
  async holders(key: string): Promise<string[]> {
    const value = (await this.get(key)) as { holders?: string[] } | null;
    return value?.holders ?? [];
  }
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
