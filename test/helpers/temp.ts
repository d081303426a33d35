import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import net from "node:net";
import path from "node:path";
import { execa } from "execa";

/** What a test's `t` offers that the helpers use (ava's ExecutionContext fits). */
export interface Teardown {
  teardown(fn: () => Promise<void> | void): void;
}

/** A fresh temporary directory, removed (recursively) when the test ends. */
export async function tempDir(t: Teardown, prefix = "comin-test-"): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Writes an executable script. The bytes are copied into place by `install(1)`, a separate
 * process, so no file descriptor of this (multi-threaded, concurrently spawning) test process is
 * ever open for writing on it: exec'ing it can never fail with ETXTBSY.
 */
export async function writeExecutable(file: string, content: string): Promise<void> {
  const source = `${file}.source-${process.pid}`;
  await writeFile(source, content);
  try {
    await execa("install", ["-m", "755", source, file], { stdin: "ignore" });
  } finally {
    await rm(source, { force: true });
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picked it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("the probe server has no TCP address");
  return address.port;
}
