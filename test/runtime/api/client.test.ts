import test from "ava";
import { execa } from "execa";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ApiError, DaemonNotRunningError, createApiClient } from "../../../runtime/api/client.js";
import { startApiServer } from "../../../runtime/api/server.js";
import { silentLogger } from "../../../runtime/log.js";
import type { CominEvent } from "../../../runtime/types.js";
import { FakeController, waitFor } from "../../helpers/fake-controller.js";

async function tempDir(t: import("ava").ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "comin-client-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function serve(t: import("ava").ExecutionContext): Promise<{ controller: FakeController; socketPath: string }> {
  const socketPath = path.join(await tempDir(t), "comin.sock");
  const controller = new FakeController();
  const server = await startApiServer({ socketPath, controller, log: silentLogger });
  t.teardown(() => server.close());
  return { controller, socketPath };
}

test("no socket file: DaemonNotRunningError that names the path", async (t) => {
  const socketPath = path.join(await tempDir(t), "comin.sock");

  const error = await t.throwsAsync(createApiClient(socketPath).status(), { instanceOf: DaemonNotRunningError });

  t.is(error?.message, `the daemon is not running (no socket at ${socketPath})`);
  t.is((error as DaemonNotRunningError).reason, "no-socket");
});

test("a stale socket file (ECONNREFUSED): DaemonNotRunningError", async (t) => {
  const socketPath = path.join(await tempDir(t), "comin.sock");
  await execa(process.execPath, ["-e", `require("net").createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, "SIGKILL"))`], { reject: false });

  const error = await t.throwsAsync(createApiClient(socketPath).suspend(), { instanceOf: DaemonNotRunningError });

  t.is((error as DaemonNotRunningError).reason, "not-listening");
});

test("each call reaches the controller and returns its answer", async (t) => {
  const { controller, socketPath } = await serve(t);
  const client = createApiClient(socketPath);

  t.deepEqual(await client.status(), controller.state);
  t.deepEqual(await client.requestFetch(["origin"]), ["origin"]);
  t.deepEqual(await client.fetchAndWait(), [{ remote: "origin", ok: true, error: null }]);
  await client.suspend();
  t.true(controller.state.suspended);
  await client.resume();
  t.false(controller.state.suspended);
  t.deepEqual(await client.deployments(), controller.history);
  t.is((await client.submitLatest("boot"))?.operation, "boot");
  t.deepEqual(await client.confirmations(), []);
  t.deepEqual(await client.acceptConfirmation(), []);
});

test("an error status becomes an ApiError with the daemon's message", async (t) => {
  const { controller, socketPath } = await serve(t);
  controller.submitBehaviour = () => {
    throw new Error("the agent is suspended: run `comin resume` first");
  };

  const error = await t.throwsAsync(createApiClient(socketPath).submitLatest(), { instanceOf: ApiError });

  t.is((error as ApiError).status, 409);
  t.is(error?.message, "the agent is suspended: run `comin resume` first");
});

test("events() delivers parsed events until aborted", async (t) => {
  const { controller, socketPath } = await serve(t);
  const received: CominEvent[] = [];
  const abort = new AbortController();

  const streaming = createApiClient(socketPath).events((event) => received.push(event), abort.signal);
  await waitFor(() => controller.listenerCount === 1, "the subscription");
  controller.emit({ type: "reboot-required", at: "2026-06-20T10:00:00.000Z", reason: "kernel ✓ changed" });
  await waitFor(() => received.length === 1, "the event");
  abort.abort();
  await streaming;

  t.deepEqual(received, [{ type: "reboot-required", at: "2026-06-20T10:00:00.000Z", reason: "kernel ✓ changed" }]);
  await waitFor(() => controller.listenerCount === 0, "the unsubscription");
});
