/**
 * Git test helpers, for any test that needs real repositories:
 *
 * - `tempDir(t)`: a temporary directory removed when the test ends.
 * - `UpstreamRepo`: a bare repository standing for a forge; tests commit files on branches, move
 *   branches anywhere (a force-push or reset is `setBranch`), delete them, sign commits. Its
 *   `url` is a local path any `git fetch` accepts; serve it over a loopback server for the rest.
 * - `createGpgKey`, `createSshKey`, `writeAllowedSigners` (from keys.ts): signing keys made by real
 *   gpg and ssh-keygen, in temporary homes (never the user's keyring).
 * - Servers on 127.0.0.1, each with `close()`: `startGitHttpServer` (smart HTTP through
 *   `git http-backend`, optional basic auth and TLS, a hook to hold requests, push enabled),
 *   `startGitDaemon` (git://, push enabled), `startSilentServer` (accepts connections and never
 *   answers: a hung remote).
 * - `waitFor(condition)`: poll a condition with a deadline (never sleep to synchronise).
 *
 * Commits get deterministic, increasing dates, so two commits never collide and tests are stable.
 */
import { mkdir, rm } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import path from "node:path";
import { execa } from "execa";
import type { Signer } from "./keys.js";
import { freePort, tempDir as makeTempDir, type Teardown } from "./temp.js";

export type { Teardown };

/** A fresh temporary directory ("comin-git-…"), removed when the test ends. */
export const tempDir = (t: Teardown, prefix = "comin-git-"): Promise<string> => makeTempDir(t, prefix);

/** Environment for helper git commands: fixed identity, no user or system config. */
export const TEST_GIT_ENV: Readonly<Record<string, string>> = {
  GIT_AUTHOR_NAME: "Fleet Admin",
  GIT_AUTHOR_EMAIL: "admin@example.test",
  GIT_COMMITTER_NAME: "Fleet Admin",
  GIT_COMMITTER_EMAIL: "admin@example.test",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_TERMINAL_PROMPT: "0",
};

/** Runs git for a test (not the code under test). Throws with git's stderr on failure. */
export async function git(cwd: string, args: readonly string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<string> {
  const result = await execa("git", ["-c", "core.hooksPath=/dev/null", ...args], {
    cwd,
    env: { ...TEST_GIT_ENV, ...options.env },
    ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
    reject: false,
  });
  if (result.exitCode !== 0) throw new Error(`git ${args.join(" ")} failed in ${cwd}: ${String(result.stderr)}`);
  return String(result.stdout);
}

// ---------------------------------------------------------------------------- keys

export { createGpgKey, createSshKey, revokeGpgKey, writeAllowedSigners, type GpgKey, type GpgKeyOptions, type Signer, type SshKey } from "./keys.js";

// ---------------------------------------------------------------------------- repositories

export type FileContent = string | { content: string; executable?: boolean } | null;

export interface CommitOptions {
  /** First line and body; default "commit <n>". */
  message?: string;
  /** Files to write (path → content) or delete (null), on top of the parent's tree. */
  files?: Record<string, FileContent>;
  /** Parent commit; default the branch's tip (a root commit when the branch does not exist). null: a root commit. */
  parent?: string | null;
  /** Sign with this key. */
  signer?: Signer;
}

const EPOCH = 1_700_000_000;

/** A bare repository standing for a forge, whose branches a test moves freely. */
export class UpstreamRepo {
  private commits = 0;

  private constructor(readonly dir: string) {}

  /** Creates an empty bare repository at `dir` (created if needed). */
  static async create(dir: string, options: { objectFormat?: "sha1" | "sha256" } = {}): Promise<UpstreamRepo> {
    await mkdir(dir, { recursive: true });
    await git(dir, ["init", "--quiet", "--bare", "--initial-branch=main", "--template=", `--object-format=${options.objectFormat ?? "sha1"}`, "."]);
    return new UpstreamRepo(dir);
  }

  /** A URL `git fetch` accepts: the local path. */
  get url(): string {
    return this.dir;
  }

  /** Commits on `branch` (created if missing) and moves the branch to the new commit. */
  async commit(branch: string, options: CommitOptions = {}): Promise<string> {
    const parent = options.parent !== undefined ? options.parent : await this.head(branch);
    const sha = await this.commitTree(parent, options);
    await this.setBranch(branch, sha);
    return sha;
  }

  /** Creates a commit without moving any branch. */
  async commitTree(parent: string | null, options: CommitOptions = {}): Promise<string> {
    this.commits += 1;
    const n = this.commits;
    const tree = await this.tree(parent, options.files ?? {});
    const date = `@${EPOCH + n * 60} +0000`;
    const env: Record<string, string> = { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
    const signing: string[] = [];
    if (options.signer?.kind === "gpg") {
      env.GNUPGHOME = options.signer.gnupgHome;
      signing.push(`-S${options.signer.fingerprint}`);
    } else if (options.signer?.kind === "ssh") {
      signing.push(`-S${options.signer.privateKeyFile}`);
    }
    const config = options.signer?.kind === "ssh" ? ["-c", "gpg.format=ssh"] : [];
    const parents = parent === null ? [] : ["-p", parent];
    const args = [...config, "commit-tree", ...signing, ...parents, "-F", "-", tree];
    const input = options.message ?? `commit ${n}`;
    // gpg signs through its agent, which it starts on first use; on a loaded machine that start
    // can time out ("signing failed: Timeout"). The fixture retries: signing is not under test.
    for (let attempt = 1; ; attempt++) {
      try {
        return (await git(this.dir, args, { env, input })).trim();
      } catch (error) {
        if (options.signer?.kind !== "gpg" || attempt >= 4) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      }
    }
  }

  private async tree(parent: string | null, files: Record<string, FileContent>): Promise<string> {
    const index = path.join(this.dir, `helper-index-${process.pid}-${this.commits}`);
    const env = { GIT_INDEX_FILE: index };
    try {
      await git(this.dir, parent === null ? ["read-tree", "--empty"] : ["read-tree", parent], { env });
      for (const [file, content] of Object.entries(files)) {
        if (content === null) {
          await git(this.dir, ["update-index", "--force-remove", "--", file], { env });
          continue;
        }
        const text = typeof content === "string" ? content : content.content;
        const mode = typeof content !== "string" && content.executable ? "100755" : "100644";
        const blob = (await git(this.dir, ["hash-object", "-w", "--stdin"], { input: text })).trim();
        await git(this.dir, ["update-index", "--add", "--cacheinfo", `${mode},${blob},${file}`], { env });
      }
      return (await git(this.dir, ["write-tree"], { env })).trim();
    } finally {
      await rm(index, { force: true });
    }
  }

  /** Points `branch` at `sha`, whatever it pointed to: a push, a force-push or a reset. */
  async setBranch(branch: string, sha: string): Promise<void> {
    await git(this.dir, ["update-ref", `refs/heads/${branch}`, sha]);
  }

  async deleteBranch(branch: string): Promise<void> {
    await git(this.dir, ["update-ref", "-d", `refs/heads/${branch}`]);
  }

  /** The branch's commit, or null. */
  async head(branch: string): Promise<string | null> {
    const out = await git(this.dir, ["for-each-ref", "--format=%(objectname) %(refname)", `refs/heads/${branch}`]);
    const line = out.split("\n").find((entry) => entry.endsWith(` refs/heads/${branch}`));
    return line ? (line.split(" ")[0] ?? null) : null;
  }
}

// ---------------------------------------------------------------------------- servers

export interface HttpRequestRecord {
  method: string;
  path: string;
  /** The Authorization header, if any. */
  authorization: string | null;
}

export interface GitHttpServer {
  /** `http(s)://127.0.0.1:<port>/<repoPath>`; repoPath is relative to the served root. */
  url(repoPath: string): string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: HttpRequestRecord[];
  close(): Promise<void>;
}

export interface GitHttpServerOptions {
  /** Require HTTP basic auth with these credentials (401 otherwise). */
  auth?: { username: string; password: string };
  /** Runs before an authorised request is served: hold it (await a promise) or inspect the machine. */
  beforeResponse?: (request: HttpRequestRecord) => Promise<void> | void;
  /** Serve HTTPS with this key and certificate (PEM) instead of plain HTTP. */
  tls?: { key: string; cert: string };
}

/** Smart HTTP for every repository under `root` (git http-backend behind node's http server). */
export async function startGitHttpServer(t: Teardown, root: string, options: GitHttpServerOptions = {}): Promise<GitHttpServer> {
  const requests: HttpRequestRecord[] = [];
  const sockets = new Set<net.Socket>();
  const handler: http.RequestListener = (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const record: HttpRequestRecord = { method: req.method ?? "GET", path: url.pathname, authorization: req.headers.authorization ?? null };
    requests.push(record);
    void serveGit(root, req, res, url, record, options).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  };
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const port = await listen(server);
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  t.teardown(close);
  const scheme = options.tls ? "https" : "http";
  return { url: (repoPath) => `${scheme}://127.0.0.1:${port}/${repoPath.replace(/^\/+/, "")}`, port, requests, close };
}

async function serveGit(root: string, req: http.IncomingMessage, res: http.ServerResponse, url: URL, record: HttpRequestRecord, options: GitHttpServerOptions): Promise<void> {
  let remoteUser = "";
  if (options.auth) {
    const expected = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString("base64")}`;
    if (record.authorization !== expected) {
      req.resume();
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"', "Content-Type": "text/plain" });
      res.end("authentication required\n");
      return;
    }
    remoteUser = options.auth.username;
  }
  await options.beforeResponse?.(record);
  const backend = execa("git", ["-c", "http.receivepack=true", "-c", "core.hooksPath=/dev/null", "http-backend"], {
    env: {
      ...TEST_GIT_ENV,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ""),
      REQUEST_METHOD: req.method ?? "GET",
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      REMOTE_USER: remoteUser,
      REMOTE_ADDR: "127.0.0.1",
      HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"] ?? ""),
      HTTP_GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
    },
    buffer: false,
    reject: false,
    stdin: "pipe",
    stderr: "ignore",
  });
  // http-backend may exit before reading a request body it does not need.
  backend.stdin.on("error", () => {});
  req.pipe(backend.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  backend.stdout.on("data", (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end === -1) return;
    headersDone = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
      const colon = line.indexOf(":");
      const key = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (key.toLowerCase() === "status") status = Number.parseInt(value, 10);
      else headers[key] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + 4));
  });
  await backend;
  if (!headersDone) res.writeHead(502);
  res.end();
}

export interface GitDaemon {
  /** `git://127.0.0.1:<port>/<repoPath>`, repoPath relative to the served root. */
  url(repoPath: string): string;
  readonly port: number;
  close(): Promise<void>;
}

/** `git daemon` serving every repository under `root` on loopback (fetch and push). */
export async function startGitDaemon(t: Teardown, root: string): Promise<GitDaemon> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const daemon = execa(
      "git",
      ["daemon", "--reuseaddr", "--export-all", "--enable=receive-pack", `--base-path=${root}`, "--listen=127.0.0.1", `--port=${port}`, "--informative-errors", root],
      { env: { ...TEST_GIT_ENV }, detached: true, reject: false, stdin: "ignore", stdout: "ignore", stderr: "ignore" },
    );
    let exited = false;
    void daemon.then(() => {
      exited = true;
    });
    const close = async () => {
      if (daemon.pid !== undefined) {
        try {
          process.kill(-daemon.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      await daemon;
    };
    await waitFor(async () => exited || (await canConnect(port)), { timeoutMs: 10_000, message: "git daemon did not start" });
    if (!exited) {
      t.teardown(close);
      return { url: (repoPath) => `git://127.0.0.1:${port}/${repoPath.replace(/^\/+/, "")}`, port, close };
    }
    if (attempt >= 3) throw new Error("git daemon could not listen on a free port");
  }
}

export interface SilentServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>/<path>` */
  httpUrl(repoPath: string): string;
  /** `git://127.0.0.1:<port>/<path>` */
  gitUrl(repoPath: string): string;
  /** Connections accepted so far, and those still open. */
  readonly accepted: number;
  readonly open: number;
  close(): Promise<void>;
}

/** Accepts TCP connections and never answers: a remote that hangs. */
export async function startSilentServer(t: Teardown): Promise<SilentServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    // Read (and drop) what arrives, so that the peer closing is noticed.
    socket.resume();
  });
  const port = await listen(server);
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  t.teardown(close);
  return {
    port,
    httpUrl: (repoPath) => `http://127.0.0.1:${port}/${repoPath}`,
    gitUrl: (repoPath) => `git://127.0.0.1:${port}/${repoPath}`,
    get accepted() {
      return accepted;
    },
    get open() {
      return sockets.size;
    },
    close,
  };
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the server has no TCP address");
  return address.port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

// ---------------------------------------------------------------------------- waiting

/** Polls `condition` until it holds; throws `message` after `timeoutMs` (default 10 s). */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(options.message ?? "condition not met before the deadline");
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
}

/** Full sha of refs/remotes/<remote>/<branch> in the agent's repository, or null. */
export async function remoteHead(repo: { remoteHeads(): Promise<Map<string, string>> }, remote: string, branch: string): Promise<string | null> {
  return (await repo.remoteHeads()).get(`refs/remotes/${remote}/${branch}`) ?? null;
}
