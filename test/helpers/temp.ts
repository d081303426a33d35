import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

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
