import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { StageError } from "../../runtime/errors.js";
import { runProcess, runStage } from "../../runtime/process.js";
import { processRunning, tempDir, waitFor } from "../helpers/nix.js";

/** A shell script that starts a sleeping grandchild, records both pids, then waits. */
function familyScript(pidFile: string, grandchildSetup = ""): string[] {
  return ["-c", `${grandchildSetup} sleep 60 & echo "$$ $!" > ${pidFile}; wait`];
}

async function readPids(pidFile: string): Promise<number[]> {
  return (await readFile(pidFile, "utf8")).trim().split(" ").map(Number);
}

test("returns stdout and streams every line with its stream", async (t) => {
  const lines: string[] = [];

  const result = await runStage("sh", ["-c", "echo one; echo warn >&2; echo two"], {
    timeoutSec: 10,
    what: "probe",
    onLine: (line, stream) => lines.push(`${stream}:${line}`),
  });

  t.is(result.stdout, "one\ntwo");
  t.is(result.stderr, "warn");
  t.deepEqual(lines.filter((l) => l.startsWith("stdout:")), ["stdout:one", "stdout:two"]);
  t.deepEqual(lines.filter((l) => l.startsWith("stderr:")), ["stderr:warn"]);
});

test("passes cwd and environment variables", async (t) => {
  const dir = await tempDir(t);

  const { stdout } = await runStage("sh", ["-c", 'echo "$PWD $COMIN_PROBE"'], { cwd: dir, env: { COMIN_PROBE: "yes" }, timeoutSec: 10, what: "probe" });

  t.is(stdout, `${dir} yes`);
});

test("a non-zero exit is a failed StageError quoting nix's error line with a few lines before it", async (t) => {
  const script = 'for i in 1 2 3 4 5 6 7 8; do echo "log $i" >&2; done; echo "error: builder failed" >&2; echo "(use --show-trace)" >&2; exit 3';

  const error = await t.throwsAsync(runStage("sh", ["-c", script], { timeoutSec: 10, what: "build" }), { instanceOf: StageError });

  t.is(error?.kind, "failed");
  t.is(error?.message, "build failed (exit code 3): log 4\nlog 5\nlog 6\nlog 7\nlog 8\nerror: builder failed\n(use --show-trace)");
});

test("without an error line, the last stderr lines are quoted", async (t) => {
  const script = 'for i in $(seq 1 20); do echo "line $i" >&2; done; exit 2';

  const error = await t.throwsAsync(runStage("sh", ["-c", script], { timeoutSec: 10, what: "post-deployment command" }), { instanceOf: StageError });

  t.is(error?.message, `post-deployment command failed (exit code 2): ${Array.from({ length: 15 }, (_, i) => `line ${i + 6}`).join("\n")}`);
});

test("a program that cannot start is a failed StageError", async (t) => {
  const error = await t.throwsAsync(runStage("/nonexistent/program", [], { timeoutSec: 10, what: "probe" }), { instanceOf: StageError });

  t.is(error?.kind, "failed");
  t.regex(error?.message ?? "", /cannot run \/nonexistent\/program/);
});

test("a timeout kills the whole process group, grandchildren included", async (t) => {
  const pidFile = path.join(await tempDir(t), "pids");

  const error = await t.throwsAsync(runStage("sh", familyScript(pidFile), { timeoutSec: 1, what: "evaluation" }), { instanceOf: StageError });

  t.is(error?.kind, "timeout");
  t.is(error?.message, "evaluation timed out after 1s");
  const [child, grandchild] = await readPids(pidFile);
  t.false(await processRunning(child ?? 0), "the child is gone");
  t.false(await processRunning(grandchild ?? 0), "the grandchild is gone");
});

test("a grandchild that ignores SIGTERM gets SIGKILL after the grace period", async (t) => {
  const pidFile = path.join(await tempDir(t), "pids");

  // An ignored signal stays ignored across exec: this sleep ignores SIGTERM.
  const error = await t.throwsAsync(runStage("sh", familyScript(pidFile, "trap '' TERM;"), { timeoutSec: 1, killGraceSec: 0.5, what: "build" }), {
    instanceOf: StageError,
  });

  t.is(error?.kind, "timeout");
  const [child, grandchild] = await readPids(pidFile);
  t.false(await processRunning(child ?? 0));
  t.false(await processRunning(grandchild ?? 0));
});

test("an abort signal cancels the stage and kills the group", async (t) => {
  const pidFile = path.join(await tempDir(t), "pids");
  const abort = new AbortController();
  const running = runStage("sh", familyScript(pidFile), { timeoutSec: 60, signal: abort.signal, what: "build" });
  await waitFor(() => readFile(pidFile, "utf8").then((text) => text.includes(" "), () => false), "the pid file");

  abort.abort();
  const error = await t.throwsAsync(running, { instanceOf: StageError });

  t.is(error?.kind, "cancelled");
  t.is(error?.message, "build was cancelled");
  const [child, grandchild] = await readPids(pidFile);
  t.false(await processRunning(child ?? 0));
  t.false(await processRunning(grandchild ?? 0));
});

test("an already aborted signal starts nothing", async (t) => {
  const marker = path.join(await tempDir(t), "started");
  const abort = new AbortController();
  abort.abort();

  const error = await t.throwsAsync(runStage("sh", ["-c", `touch ${marker}`], { timeoutSec: 10, signal: abort.signal, what: "build" }), { instanceOf: StageError });

  t.is(error?.kind, "cancelled");
  await t.throwsAsync(readFile(marker));
});

test("input goes to stdin, and the final newline is kept when asked", async (t) => {
  const result = await runProcess("/bin/cat", [], { input: "line 1\nline 2\n", keepFinalNewline: true, timeoutMs: 10_000 });

  t.is(result.exitCode, 0);
  t.is(result.stdout, "line 1\nline 2\n");
});

test("the runtime starts child processes in one place only (runtime/process.ts)", async (t) => {
  const root = fileURLToPath(new URL("../../../runtime/", import.meta.url)).replace(`${path.sep}dist${path.sep}`, path.sep);
  const files = (await readdir(root, { recursive: true })).filter((name) => name.endsWith(".ts"));
  const spawning: string[] = [];
  for (const name of files) {
    const text = await readFile(path.join(root, name), "utf8");
    if (/from "(node:)?child_process"|from "execa"|from "simple-git"/.test(text)) spawning.push(name);
  }

  t.deepEqual(spawning, ["process.ts"]);
});
