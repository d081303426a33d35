import { readdir, readlink } from "node:fs/promises";
import path from "node:path";
import test from "ava";
import { StageError } from "../../../runtime/errors.js";
import { addGcRoot, realiseGeneration } from "../../../runtime/nix/build.js";
import { runStage } from "../../../runtime/process.js";
import { instantiate, tempDir } from "../../helpers/nix.js";

/** Whether `storePath` is valid (present and complete) in the local store. */
async function isValidPath(storePath: string): Promise<boolean> {
  const { stdout } = await runStage("nix-store", ["--check-validity", "--print-invalid", storePath], { timeoutSec: 60, what: "nix-store --check-validity" });
  return stdout.trim() === "";
}

/**
 * Whether `link` is registered as an indirect GC root, as `nix-store --add-root` does: a link in
 * /nix/var/nix/gcroots/auto pointing at it. (`nix-store --query --roots` scans every root and
 * fails when a concurrent test removes one mid-scan.)
 */
async function isRegisteredRoot(link: string): Promise<boolean> {
  const auto = "/nix/var/nix/gcroots/auto";
  const names = await readdir(auto);
  const targets = await Promise.all(names.map((name) => readlink(path.join(auto, name)).catch(() => null)));
  return targets.includes(link);
}

test("realise builds the system, streams the log and registers a real GC root", async (t) => {
  const dir = await tempDir(t);
  const { drv, out } = await instantiate(path.join(dir, "expr"), { hosts: { web1: { record: path.join(dir, "record"), variant: "build" } } }, "web1");
  const gcRoot = path.join(dir, "state/gcroots/generation-1");
  const lines: string[] = [];
  t.false(await isValidPath(out), "not built yet");

  const outPath = await realiseGeneration({ drvPath: drv, gcRoot, timeoutSec: 120, onLine: (line) => lines.push(line) });

  t.is(outPath, out);
  t.true(await isValidPath(out));
  t.is(await readlink(gcRoot), out);
  t.true(await isRegisteredRoot(gcRoot), "registered as an indirect GC root");
  t.true(lines.some((line) => line.includes("building")), "nix's log lines are streamed");
});

test("a failing builder is a failed build quoting the builder's output", async (t) => {
  const dir = await tempDir(t);
  const { drv } = await instantiate(path.join(dir, "expr"), { hosts: { web1: { record: path.join(dir, "record"), buildFails: true } } }, "web1");

  const error = await t.throwsAsync(realiseGeneration({ drvPath: drv, gcRoot: path.join(dir, "root"), timeoutSec: 120 }), { instanceOf: StageError });

  t.is(error?.kind, "failed");
  t.regex(error?.message ?? "", /^build failed \(exit code 100\)/);
  t.regex(error?.message ?? "", /failing on purpose/);
});

test("addGcRoot registers an already valid output as a root", async (t) => {
  const dir = await tempDir(t);
  const { drv, out } = await instantiate(path.join(dir, "expr"), { hosts: { web1: { record: path.join(dir, "record"), variant: "skip-build" } } }, "web1");
  await realiseGeneration({ drvPath: drv, gcRoot: path.join(dir, "first"), timeoutSec: 120 });
  const second = path.join(dir, "gcroots/second");

  await addGcRoot(out, second);

  t.is(await readlink(second), out);
  t.true(await isRegisteredRoot(second));
});

test("isValidPath is false for a path that was never built", async (t) => {
  t.false(await isValidPath("/nix/store/00000000000000000000000000000000-never-built"));
});
