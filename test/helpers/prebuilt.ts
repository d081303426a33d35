/**
 * Helpers for prebuilt systems (behaviour §15): a real Nix signing key pair, a real binary cache
 * (a `file://` directory, also served over HTTP by a static server in the test process), the
 * fleet's comin.config.ts, `comin publish` run as the real CLI, and the store checks that prove a
 * machine substituted a system rather than having it already.
 */
import { createReadStream } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { execa } from "execa";
import { CLI, GIT_ENV } from "./daemon.js";
import type { Teardown } from "./temp.js";

export interface CacheKey {
  name: string;
  secretFile: string;
  /** `name:base64`, for `trusted-public-keys`. */
  publicKey: string;
}

/** `nix-store --generate-binary-cache-key`, as the docs tell users to make one. */
export async function makeCacheKey(dir: string, name: string): Promise<CacheKey> {
  const secretFile = path.join(dir, `${name}.secret`);
  const publicFile = path.join(dir, `${name}.public`);
  await execa("nix-store", ["--generate-binary-cache-key", name, secretFile, publicFile], { stdin: "ignore" });
  return { name, secretFile, publicKey: (await readFile(publicFile, "utf8")).trim() };
}

export interface CacheServer {
  url: string;
  /** Paths requested so far ("/nix-cache-info", "/<hash>.narinfo", "/nar/…"). */
  requests: string[];
}

/** A static HTTP server of the files under `root` (GET and HEAD only): what a binary cache is. */
export function createStaticServer(root: string, onRequest: (pathname: string) => void): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://cache");
    onRequest(url.pathname);
    const file = path.join(root, path.normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, ""));
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405).end();
      return;
    }
    stat(file).then(
      (info) => {
        if (!info.isFile()) return void res.writeHead(404).end();
        res.writeHead(200, { "content-length": info.size });
        if (req.method === "HEAD") return void res.end();
        createReadStream(file).pipe(res);
      },
      () => void res.writeHead(404).end(),
    );
  });
}

/** The static server of `root` on loopback, stopped when the test ends. */
export async function startCacheServer(t: Teardown, root: string, host = "127.0.0.1"): Promise<CacheServer> {
  const requests: string[] = [];
  const server = createStaticServer(root, (pathname) => requests.push(pathname));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return { url: `http://${host}:${port}`, requests };
}

/** Writes a fleet configuration: these remotes, these hosts (each `{}`, or its own keys). */
export async function writeFleetConfig(file: string, config: { remotes: { name: string; url: string }[]; hosts: Record<string, Record<string, unknown>> }): Promise<string> {
  await writeFile(file, `import { defineConfig } from "comin";\n\nexport default defineConfig(${JSON.stringify(config, null, 2)});\n`);
  return file;
}

export interface PublishRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** `comin publish <args>` through the real CLI. */
export async function publish(args: string[], env: Record<string, string> = {}): Promise<PublishRun> {
  const result = await execa(process.execPath, [CLI, "publish", ...args], { env: { ...GIT_ENV, GIT_CONFIG_GLOBAL: "/dev/null", ...env }, stdin: "ignore", reject: false });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Whether `storePath` is valid in the local store. */
export async function isValidPath(storePath: string): Promise<boolean> {
  const result = await execa("nix-store", ["--check-validity", storePath], { stdin: "ignore", reject: false });
  return result.exitCode === 0;
}

/**
 * Deletes `storePath` from the local store (CI published it from here; the machine must not have
 * it before the deployment). Fails the test if it is still valid afterwards.
 */
export async function forgetPath(storePath: string): Promise<void> {
  await execa("nix-store", ["--delete", storePath], { stdin: "ignore", reject: false });
  if (await isValidPath(storePath)) throw new Error(`${storePath} is still valid after nix-store --delete (a GC root keeps it?)`);
}
