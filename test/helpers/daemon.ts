/**
 * Integration harness: a fleet repository (real git), a fake machine root with a system built by
 * real Nix, and the real daemon process (`node dist/runtime/cli/main.js run`) talking over its
 * real Unix socket.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import type { RuntimeConfigInput } from "../../dsl/schema.js";
import type { HistoryEntry, StatusJson } from "../../runtime/types.js";
import type { Signer } from "./git.js";
import { buildTestSystem, createMachineRoot, writeTestFlake, type MachineRoot, type TestHost } from "../../scripts/lib/test-system.js";
import { tempDir as makeTempDir, type Teardown } from "./temp.js";

export type { Teardown };

/** A fresh temporary directory ("comin-it-…"), removed when the test ends. */
export const tempDir = (t: Teardown, prefix = "comin-it-"): Promise<string> => makeTempDir(t, prefix);

export const CLI = fileURLToPath(new URL("../../runtime/cli/main.js", import.meta.url));
/**
 * The node options of the package's daemon launcher (nix/package.nix reads the same file): tests
 * and benchmarks run the daemon as the NixOS service does.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = readFileSync(fileURLToPath(new URL("../../../nix/daemon-node-flags.txt", import.meta.url)), "utf8").trim().split(/\s+/).filter(Boolean);

/** The launcher's environment defaults (nix/daemon-env.txt, NAME=VALUE per line). */
export const DAEMON_ENV: Readonly<Record<string, string>> = Object.fromEntries(
  readFileSync(fileURLToPath(new URL("../../../nix/daemon-env.txt", import.meta.url)), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
);

export const GIT_ENV = {
  GIT_AUTHOR_NAME: "Fleet Admin",
  GIT_AUTHOR_EMAIL: "admin@example.org",
  GIT_COMMITTER_NAME: "Fleet Admin",
  GIT_COMMITTER_EMAIL: "admin@example.org",
  GIT_CONFIG_NOSYSTEM: "1",
  HOME: tmpdir(),
};

export async function git(cwd: string, args: string[]): Promise<string> {
  const result = await execa("git", ["-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false", ...args], { cwd, env: GIT_ENV, stdin: "ignore" });
  return result.stdout.trim();
}

/** The fleet's repository as its admins see it: a non-bare clone with a main branch. */
export class FleetRepo {
  private constructor(readonly dir: string) {}

  static async create(dir: string): Promise<FleetRepo> {
    await mkdir(dir, { recursive: true });
    await git(dir, ["init", "-q", "-b", "main"]);
    return new FleetRepo(dir);
  }

  /** Commits a flake of test systems on `branch` (created from HEAD when missing); returns the sha. */
  async commit(hosts: Record<string, TestHost>, message: string, branch = "main", signer?: Signer): Promise<string> {
    const branches = await git(this.dir, ["branch", "--list", branch]);
    const hasCommits = await git(this.dir, ["rev-parse", "--verify", "-q", "HEAD"]).then(() => true, () => false);
    if (hasCommits) await git(this.dir, branches ? ["checkout", "-q", branch] : ["checkout", "-q", "-b", branch]);
    else if (branch !== "main") await git(this.dir, ["checkout", "-q", "-b", branch]);
    await writeTestFlake(this.dir, { hosts });
    await git(this.dir, ["add", "-A"]);
    if (!signer) {
      await git(this.dir, ["commit", "-q", "--allow-empty", "-m", message]);
    } else if (signer.kind === "gpg") {
      // gpg-agent's first start can time out on a loaded machine; a failed signing commits nothing.
      for (let attempt = 1; ; attempt++) {
        const signed = await execa("git", ["-c", "core.hooksPath=/dev/null", "-c", `user.signingkey=${signer.fingerprint}`, "commit", "-q", "-S", "--allow-empty", "-m", message], { cwd: this.dir, env: { ...GIT_ENV, GNUPGHOME: signer.gnupgHome }, stdin: "ignore", reject: attempt >= 4 });
        if (signed.exitCode === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      }
    } else {
      await execa("git", ["-c", "core.hooksPath=/dev/null", "-c", "gpg.format=ssh", "-c", `user.signingkey=${signer.privateKeyFile}`, "commit", "-q", "-S", "--allow-empty", "-m", message], { cwd: this.dir, env: GIT_ENV, stdin: "ignore" });
    }
    return git(this.dir, ["rev-parse", "HEAD"]);
  }

  /** Points `branch` at `commit` (a force-push, a reset, or a fast-forward). */
  async setBranch(branch: string, commit: string): Promise<void> {
    const current = await git(this.dir, ["rev-parse", "--abbrev-ref", "HEAD"]);
    if (current === branch) await git(this.dir, ["reset", "-q", "--hard", commit]);
    else await git(this.dir, ["branch", "-f", branch, commit]);
  }

  async deleteBranch(branch: string): Promise<void> {
    await git(this.dir, ["checkout", "-q", "main"]);
    await git(this.dir, ["branch", "-D", branch]);
  }
}

export interface Machine extends MachineRoot {
  hostname: string;
  record: string;
  configFile: string;
  /** The host entry to put in the fleet's flake for this machine. */
  host(extra?: Partial<TestHost>): TestHost;
}

/** A fake machine booted on an initial system, and its runtime config. */
export async function createMachine(dir: string, hostname: string, config: Partial<RuntimeConfigInput> & { remotes: RuntimeConfigInput["remotes"] }, options: { machineId?: string; initial?: Partial<TestHost> } = {}): Promise<Machine> {
  const root = path.join(dir, `machine-${hostname}`);
  await mkdir(root, { recursive: true });
  const record = path.join(root, "switch.log");
  await writeFile(record, "");
  const initial = await buildTestSystem(root, "initial", { variant: `initial-${hostname}`, record, kernel: "kernel-1", ...options.initial });
  const machineRoot = await createMachineRoot(root, { system: initial, ...(options.machineId ? { machineId: options.machineId } : {}) });
  const configFile = path.join(root, "comin.json");
  const runtimeConfig: RuntimeConfigInput = {
    schemaVersion: 1,
    hostname,
    stateDir: machineRoot.stateDir,
    paths: machineRoot.paths,
    exporter: null,
    retries: { attempts: 3, backoff: 1, maxBackoff: 2 },
    reboot: { policy: "notify", command: ["/bin/true"] },
    ...config,
  };
  await writeFile(configFile, JSON.stringify(runtimeConfig, null, 2));
  return {
    ...machineRoot,
    hostname,
    record,
    configFile,
    host: (extra = {}) => ({ record, currentSystemLink: machineRoot.paths.currentSystem, kernel: "kernel-1", ...extra }),
  };
}

export function localRemote(name: string, url: string, extra: Record<string, unknown> = {}): RuntimeConfigInput["remotes"][number] {
  return { name, url, poll: { interval: 1 }, timeout: 10, ...extra } as RuntimeConfigInput["remotes"][number];
}

/** Lines the fake switch-to-configuration recorded: `[operation, outPath]`. */
export async function switchCalls(machine: Machine): Promise<[string, string][]> {
  const text = await readFile(machine.record, "utf8");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(" ") as [string, string]);
}

function request<T>(socketPath: string, method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ socketPath, path: route, method, headers: payload ? { "content-type": "application/json" } : {} }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : null) as T });
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/**
 * The machine's state file once `predicate` holds for it. The status API answers from memory and
 * stage changes are saved up to 100 ms later, so a test that reads the file waits for it.
 */
export async function waitForState<T = any>(machine: Machine, predicate: (state: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const file = path.join(machine.stateDir, "state.json");
  let last: T | null = null;
  await waitUntil(async () => {
    last = JSON.parse(await readFile(file, "utf8").catch(() => "null")) as T;
    return last !== null && predicate(last);
  }, `${what} in ${file}`, timeoutMs);
  return last as unknown as T;
}

/** Polls `condition` every 100 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await condition()); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The real daemon in a child process. */
export class Daemon {
  readonly lines: string[] = [];
  private exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly machine: Machine,
  ) {
    let buffer = "";
    const collect = (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      this.lines.push(...parts);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    this.exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  }

  /**
   * Starts the daemon of `machine` and waits until its socket answers. `wrap` turns the command
   * into another one (e.g. `ip netns exec <ns> …` for the e2e suite).
   */
  static async start(
    t: Teardown,
    machine: Machine,
    env: Record<string, string> = {},
    wrap: (file: string, args: string[]) => [string, string[]] = (file, args) => [file, args],
  ): Promise<Daemon> {
    const [file, args] = wrap(process.execPath, [...DAEMON_NODE_FLAGS, CLI, "run", "--config", machine.configFile, "--log-format", "json"]);
    const child = spawn(file, args, {
      env: { ...DAEMON_ENV, ...process.env, ...GIT_ENV, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const daemon = new Daemon(child, machine);
    t.teardown(() => daemon.kill());
    await daemon.waitFor((s) => s !== null, 30_000, "the daemon to answer on its socket");
    return daemon;
  }

  get hostname(): string {
    return this.machine.hostname;
  }

  async deployments(): Promise<HistoryEntry[]> {
    return (await this.call<HistoryEntry[]>("GET", "/v1/deployments")).body;
  }

  get socket(): string {
    return this.machine.paths.socket ?? path.join(this.machine.stateDir, "comin.sock");
  }

  async status(): Promise<StatusJson | null> {
    try {
      const response = await request<StatusJson>(this.socket, "GET", "/v1/status");
      return response.status === 200 ? response.body : null;
    } catch {
      return null;
    }
  }

  call<T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
    return request<T>(this.socket, method, route, body);
  }

  /** Polls the status until `predicate` holds; fails with the last status and log lines. */
  async waitFor(predicate: (status: StatusJson) => boolean, timeoutMs: number, what: string): Promise<StatusJson> {
    const deadline = Date.now() + timeoutMs;
    let last: StatusJson | null = null;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`${this.hostname}: the daemon exited (${this.child.exitCode}) while waiting for ${what}\n${this.lines.slice(-30).join("\n")}`);
      last = await this.status();
      if (last && predicate(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.hostname}: timed out waiting for ${what}\nstatus: ${JSON.stringify(last, null, 2)}\nlog:\n${this.lines.slice(-40).join("\n")}`);
  }

  /**
   * Waits until the log lines collected so far satisfy `predicate`. The status API answers from
   * memory, so a status can show a deployment's end before its log line is written or read.
   */
  async waitForLog(predicate: (lines: string[]) => boolean, timeoutMs: number, what: string): Promise<void> {
    await waitUntil(async () => predicate(this.lines), what, timeoutMs).catch(() => {
      throw new Error(`${this.hostname}: timed out waiting for ${what} in the log\nlog:\n${this.lines.slice(-40).join("\n")}`);
    });
  }

  /** How many collected log lines carry the JSON message `msg`. */
  count(msg: string): number {
    return this.lines.filter((line) => line.includes(`"msg":"${msg}"`)).length;
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill("SIGTERM");
    return this.exited;
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGKILL");
      await this.exited;
    }
  }
}

/** The deployment (of status) is done for `commit` with `operation`. */
export function deployed(commit: string, operation: string) {
  return (status: StatusJson) => status.deployment?.commit === commit && status.deployment.operation === operation && status.deployment.status === "done";
}
