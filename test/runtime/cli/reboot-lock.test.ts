/**
 * `comin reboot-lock status|release` (behaviour.md §16) against the local API served over a fake
 * controller: the words, the JSON, and the exit codes.
 */
import test, { type ExecutionContext } from "ava";
import { Command } from "commander";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startApiServer } from "../../../runtime/api/server.js";
import { registerClientCommands, type ClientIo } from "../../../runtime/cli/client.js";
import { silentLogger } from "../../../runtime/log.js";
import type { RebootLockStatus } from "../../../runtime/types.js";
import { FakeController } from "../../helpers/fake-controller.js";

const LOCK: RebootLockStatus = { backend: "etcd", group: "web", slots: 2, holders: ["db1", "this-machine"], held: true, error: null };

async function run(socket: string, args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number | undefined }> {
  const result = { stdout: "", stderr: "", exitCode: undefined as number | undefined };
  const io: ClientIo = { stdout: (text) => void (result.stdout += text), stderr: (text) => void (result.stderr += text), setExitCode: (code) => void (result.exitCode = code), now: () => new Date() };
  const root = new Command("comin").exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerClientCommands(root, io);
  await root.parseAsync(["node", "comin", ...args, "--socket", socket]);
  return result;
}

async function daemon(t: ExecutionContext, lock: RebootLockStatus | null): Promise<{ controller: FakeController; socket: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "comin-cli-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const controller = new FakeController();
  controller.state.rebootLock = lock && structuredClone(lock);
  const socket = path.join(dir, "comin.sock");
  const server = await startApiServer({ socketPath: socket, controller, log: silentLogger });
  t.teardown(() => server.close());
  return { controller, socket };
}

test("reboot-lock status shows group, slots and holders; --json the status shape", async (t) => {
  const { socket } = await daemon(t, LOCK);

  const words = await run(socket, ["reboot-lock", "status"]);
  const asJson = await run(socket, ["reboot-lock", "status", "--json"]);

  t.is(words.exitCode, 0);
  t.is(words.stdout, "Reboot lock (etcd), group web\n  slots    2\n  holders  db1, this-machine\n  this machine holds a slot\n");
  t.deepEqual(JSON.parse(asJson.stdout), LOCK);
});

test("reboot-lock status with the service unreachable: the error, exit 1", async (t) => {
  const { socket } = await daemon(t, { ...LOCK, holders: [], held: false, error: "etcd: http://10.0.0.5:2379/v3/kv/range: connect ECONNREFUSED" });

  const result = await run(socket, ["reboot-lock", "status"]);

  t.is(result.exitCode, 1);
  t.regex(result.stdout, /error {4}etcd: .*ECONNREFUSED/);
});

test("reboot-lock without coordination: says so, exit 1", async (t) => {
  const { socket } = await daemon(t, null);

  const status = await run(socket, ["reboot-lock", "status"]);
  const release = await run(socket, ["reboot-lock", "release"]);

  t.is(status.exitCode, 1);
  t.is(status.stderr, "comin: reboot coordination is not configured (reboot.coordination is null)\n");
  t.is(release.exitCode, 1);
  t.regex(release.stderr, /reboot coordination is not configured/);
});

test("reboot-lock release --id gives another holder's slot back; an id holding none is said so", async (t) => {
  const { controller, socket } = await daemon(t, LOCK);

  const released = await run(socket, ["reboot-lock", "release", "--id", "db1"]);
  const again = await run(socket, ["reboot-lock", "release", "--id", "db1"]);

  t.is(released.exitCode, 0);
  t.is(released.stdout, "Released the slot of db1 (group web).\n");
  t.is(again.stdout, "db1 held no slot in group web: nothing to release.\n");
  t.deepEqual(controller.callsOf("releaseRebootLock"), [["db1"], ["db1"]]);
});
