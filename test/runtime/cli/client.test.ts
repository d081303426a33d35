import test, { type ExecutionContext } from "ava";
import { Command, CommanderError } from "commander";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startApiServer } from "../../../runtime/api/server.js";
import { registerClientCommands, type ClientIo } from "../../../runtime/cli/client.js";
import { silentLogger } from "../../../runtime/log.js";
import type { FetchOutcome } from "../../../runtime/types.js";
import { FakeController, sampleDeployment, waitFor } from "../../helpers/fake-controller.js";

const NOW = new Date("2026-06-20T10:00:00.000Z");

interface Run {
  stdout: string;
  stderr: string;
  exitCode: number | undefined;
}

/** The program as the entry point builds it: exitOverride on the root, set before our commands. */
function program(io: ClientIo): Command {
  const root = new Command("comin").exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerClientCommands(root, io);
  return root;
}

async function run(args: string[], options: { signal?: AbortSignal; onStdout?: (text: string) => void } = {}): Promise<Run> {
  const result: Run = { stdout: "", stderr: "", exitCode: undefined };
  const io: ClientIo = {
    stdout: (text) => {
      result.stdout += text;
      options.onStdout?.(text);
    },
    stderr: (text) => {
      result.stderr += text;
    },
    setExitCode: (code) => {
      result.exitCode = code;
    },
    now: () => NOW,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  await program(io).parseAsync(["node", "comin", ...args]);
  return result;
}

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "comin-cli-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function daemon(t: ExecutionContext): Promise<{ controller: FakeController; socket: string; dir: string; stop: () => Promise<void> }> {
  const dir = await tempDir(t);
  const socket = path.join(dir, "comin.sock");
  const controller = new FakeController();
  const server = await startApiServer({ socketPath: socket, controller, log: silentLogger });
  t.teardown(() => server.close());
  return { controller, socket, dir, stop: () => server.close() };
}

test("status --json prints controller.status() verbatim", async (t) => {
  const { controller, socket } = await daemon(t);

  const result = await run(["status", "--json", "--socket", socket]);

  t.is(result.exitCode, 0);
  t.deepEqual(JSON.parse(result.stdout), controller.state);
});

test("status exits 1 in every form while a problem is shown, 0 otherwise", async (t) => {
  const { controller, socket } = await daemon(t);
  const healthy = await run(["status", "--json", "--socket", socket]);
  controller.state.problems = [{ kind: "fetch", subject: "origin", message: "fetch failed: x", since: null }];

  const forms = await Promise.all([["--json"], ["--oneline"], []].map((form) => run(["status", ...form, "--socket", socket])));

  t.is(healthy.exitCode, 0);
  t.deepEqual(forms.map((result) => result.exitCode), [1, 1, 1]);
});

test("status prints the human form, --oneline the status-bar form", async (t) => {
  const { socket } = await daemon(t);

  const human = await run(["status", "--socket", socket]);
  const oneline = await run(["status", "--oneline", "--socket", socket]);

  t.regex(human.stdout, /^Host {12}web1$/m);
  t.regex(human.stdout, /^ {4}last fetch {2}fetched 2 minutes ago$/m);
  t.is(oneline.stdout, "✓ origin/main 1a2b3c4 (3 minutes ago)\n");
});

test("the daemon not running: one clear line on stderr and exit code 3", async (t) => {
  const socket = path.join(await tempDir(t), "comin.sock");

  const result = await run(["status", "--socket", socket]);

  t.is(result.exitCode, 3);
  t.is(result.stderr, `comin: the daemon is not running (no socket at ${socket})\n`);
  t.is(result.stdout, "");
});

test("--config locates the socket through paths.socket of the resolved JSON", async (t) => {
  const { controller, socket, dir } = await daemon(t);
  const config = path.join(dir, "web1.json");
  await writeFile(config, JSON.stringify({ schemaVersion: 1, hostname: "web1", remotes: [{ name: "origin", url: "https://git.example.org/acme/infra.git" }], stateDir: dir, paths: { socket } }));

  const result = await run(["suspend", "--config", config]);

  t.is(result.exitCode, 0);
  t.true(controller.state.suspended);
});

test("--config without paths.socket uses <stateDir>/comin.sock", async (t) => {
  const { controller, dir } = await daemon(t);
  const config = path.join(dir, "web1.json");
  await writeFile(config, JSON.stringify({ schemaVersion: 1, hostname: "web1", remotes: [{ name: "origin", url: "https://git.example.org/acme/infra.git" }], stateDir: dir }));

  const result = await run(["status", "--json", "--config", config]);

  t.is(result.exitCode, 0);
  t.is(JSON.parse(result.stdout).hostname, controller.state.hostname);
});

test("an invalid --config exits 78 and names the problem", async (t) => {
  const dir = await tempDir(t);
  const config = path.join(dir, "web1.json");
  await writeFile(config, JSON.stringify({ schemaVersion: 1, hostname: "web1", remotes: [], stateDir: dir, paths: { sockett: "/x" } }));

  const invalid = await run(["status", "--config", config]);
  const missing = await run(["status", "--config", path.join(dir, "nope.json")]);

  t.is(invalid.exitCode, 78);
  t.regex(invalid.stderr, /paths\.sockett: unknown key "sockett" \(did you mean "socket"\?\)/);
  t.is(missing.exitCode, 78);
  t.regex(missing.stderr, /the file does not exist/);
});

test("usage errors throw CommanderError in subcommands too (exitOverride is inherited)", async (t) => {
  const io: ClientIo = { stdout: () => {}, stderr: () => {}, setExitCode: () => {}, now: () => NOW };

  for (const args of [
    ["status", "--bogus"],
    ["status", "--json", "--oneline"],
    ["deployment", "submit-latest", "--operation", "dry-activate"],
    ["deployment", "bogus"],
    ["confirmation", "accept", "extra", "--nope"],
    ["fetch", "--remote"],
  ]) {
    await t.throwsAsync(program(io).parseAsync(["node", "comin", ...args]), { instanceOf: CommanderError }, args.join(" "));
  }
});

test("fetch without --wait returns at once with the remotes", async (t) => {
  const { controller, socket } = await daemon(t);
  controller.fetchBehaviour = () => new Promise<FetchOutcome[]>(() => {});

  const result = await run(["fetch", "--socket", socket]);

  t.is(result.exitCode, 0);
  t.is(result.stdout, "Fetch of origin requested.\n");
});

test("fetch --wait prints each outcome and exits 1 when one failed", async (t) => {
  const { controller, socket } = await daemon(t);
  controller.state.remotes.push({ ...controller.state.remotes[0]!, name: "mirror", url: "/srv/git/infra.git" });
  controller.fetchBehaviour = (remotes) =>
    (remotes ?? []).map((remote) => (remote === "mirror" ? { remote, ok: false, error: "repository not found" } : { remote, ok: true, error: null }));

  const failed = await run(["fetch", "--wait", "--remote", "origin", "--remote", "mirror", "--socket", socket]);
  const ok = await run(["fetch", "--wait", "--remote", "origin", "--socket", socket]);

  t.is(failed.exitCode, 1);
  t.is(failed.stdout, "✓ origin: fetched\n✗ mirror: fetch failed: repository not found\n");
  t.deepEqual(controller.callsOf("fetch"), [[["origin", "mirror"]], [["origin"]]]);
  t.is(ok.exitCode, 0);
});

test("fetch of an unknown remote is refused by the daemon: exit 2", async (t) => {
  const { controller, socket } = await daemon(t);

  const result = await run(["fetch", "--remote", "nope", "--socket", socket]);

  t.is(result.exitCode, 2);
  t.regex(result.stderr, /^comin: unknown remote "nope"/);
  t.deepEqual(controller.callsOf("fetch"), []);
});

test("suspend and resume; a refusal is exit 1 with the daemon's reason", async (t) => {
  const { controller, socket } = await daemon(t);

  const suspended = await run(["suspend", "--socket", socket]);
  const resumed = await run(["resume", "--socket", socket]);
  controller.resume = async () => {
    throw new Error("the agent is not suspended");
  };
  const refused = await run(["resume", "--socket", socket]);

  t.deepEqual([suspended.exitCode, resumed.exitCode], [0, 0]);
  t.deepEqual(controller.callsOf("suspend").length, 1);
  t.is(refused.exitCode, 1);
  t.is(refused.stderr, "comin: the agent is not suspended\n");
});

test("deployment list, latest and submit-latest", async (t) => {
  const { controller, socket } = await daemon(t);

  const list = await run(["deployment", "list", "--socket", socket]);
  const latest = await run(["deployment", "latest", "--json", "--socket", socket]);
  const submitted = await run(["deployment", "submit-latest", "--operation", "boot", "--socket", socket]);

  t.regex(list.stdout, /^2026-06-20T09:57:00Z {2}done {2}switch {2}1a2b3c4 {2}origin\/main {2}3 minutes ago/);
  t.is(JSON.parse(latest.stdout).id, "dep-1");
  t.is(submitted.exitCode, 0);
  t.regex(submitted.stdout, /^Submitted: boot of 1a2b3c4/);
  t.deepEqual(controller.callsOf("submitLatest"), [["boot"]]);
});

test("confirmation show and accept; accepting nothing is exit 1", async (t) => {
  const { controller, socket } = await daemon(t);
  controller.pendingConfirmations = [{ stage: "deploy", mode: "manual", generationId: "gen-2", commit: "9f8e7d6c5b4a", submittedAt: "2026-06-20T09:58:00.000Z", autoAt: null }];

  const shown = await run(["confirmation", "show", "--socket", socket]);
  const accepted = await run(["confirmation", "accept", "--socket", socket]);
  const nothing = await run(["confirmation", "accept", "--socket", socket]);

  t.regex(shown.stdout, /^The deploy of 9f8e7d6 \(generation gen-2\) waits for a confirmation/);
  t.is(accepted.stdout, "Accepted the deploy of 9f8e7d6 (generation gen-2).\n");
  t.is(accepted.exitCode, 0);
  t.is(nothing.exitCode, 1);
  t.is(nothing.stderr, "comin: no confirmation is pending\n");
});

test("events prints one JSON object a line until stopped", async (t) => {
  const { controller, socket } = await daemon(t);
  const abort = new AbortController();
  let lines = 0;

  const running = run(["events", "--socket", socket], { signal: abort.signal, onStdout: () => lines++ });
  await waitFor(() => controller.listenerCount === 1, "the subscription");
  controller.emit({ type: "suspended", at: "2026-06-20T10:00:00.000Z" });
  controller.emit({ type: "resumed", at: "2026-06-20T10:00:01.000Z" });
  await waitFor(() => lines === 2, "two lines");
  abort.abort();
  const result = await running;

  t.is(result.exitCode, 0);
  t.is(result.stdout, '{"type":"suspended","at":"2026-06-20T10:00:00.000Z"}\n{"type":"resumed","at":"2026-06-20T10:00:01.000Z"}\n');
});

test("events exits 1 with a clear line when the daemon stops", async (t) => {
  const { controller, socket, stop } = await daemon(t);

  const running = run(["events", "--socket", socket]);
  await waitFor(() => controller.listenerCount === 1, "the subscription");
  await stop();
  const result = await running;

  t.is(result.exitCode, 1);
  t.is(result.stderr, "comin: the daemon closed the event stream\n");
});

test("rollback, rollback --no-quarantine, quarantine list and clear (§14)", async (t) => {
  const { controller, socket } = await daemon(t);
  controller.state.quarantine = [{ commit: "9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6", outPath: "/nix/store/b", reason: "manual rollback (comin rollback)", at: "2026-06-20T09:58:00.000Z" }];

  const rolled = await run(["rollback", "--socket", socket]);
  const kept = await run(["rollback", "--no-quarantine", "--socket", socket]);
  const listed = await run(["quarantine", "list", "--socket", socket]);
  const json = await run(["quarantine", "list", "--json", "--socket", socket]);
  const neither = await run(["quarantine", "clear", "--socket", socket]);
  const unknown = await run(["quarantine", "clear", "abcdef", "--socket", socket]);
  const cleared = await run(["quarantine", "clear", "9f8e7d6", "--socket", socket]);

  t.is(rolled.exitCode, 0);
  t.regex(rolled.stdout, /^Rolled back from 1a2b3c4 to \/nix\/store\/c+-nixos-system-web1; commit 1a2b3c4 is quarantined\.$/m);
  t.notRegex(kept.stdout, /quarantined/);
  t.deepEqual(controller.callsOf("rollback"), [[{ quarantine: true }], [{ quarantine: false }]]);
  t.regex(listed.stdout, /^9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6 {2}quarantined 2 minutes ago: manual rollback \(comin rollback\)\n {2}system \/nix\/store\/b\n$/);
  t.is(JSON.parse(json.stdout).length, 1);
  t.is(neither.exitCode, 2);
  t.is(unknown.exitCode, 1);
  t.regex(unknown.stderr, /commit abcdef is not quarantined/);
  t.is(cleared.exitCode, 0);
  t.is(cleared.stdout, "Lifted: 9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6.\n");
});

test("a failed rollback, or none possible, exits 1 with the reason", async (t) => {
  const { controller, socket } = await daemon(t);
  controller.rollbackBehaviour = () => sampleDeployment({ status: "failed", rollback: { trigger: "manual", to: "/nix/store/c", status: "failed", error: "rollback: switch-to-configuration switch failed (exit code 1)" } });
  const failed = await run(["rollback", "--socket", socket]);
  controller.rollbackBehaviour = () => {
    throw new Error("no earlier deployment to return to: the current deployment is the first one in the history");
  };
  const none = await run(["rollback", "--socket", socket]);

  t.is(failed.exitCode, 1);
  t.is(failed.stderr, "comin: the rollback failed: rollback: switch-to-configuration switch failed (exit code 1)\n");
  t.is(none.exitCode, 1);
  t.regex(none.stderr, /no earlier deployment to return to/);
});
