import test, { type ExecutionContext } from "ava";
import { execa } from "execa";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { silentLogger } from "../../../runtime/log.js";
import { SocketInUseError, startApiServer, type ApiServer } from "../../../runtime/api/server.js";
import type { FetchOutcome } from "../../../runtime/types.js";
import { FakeController, deferred, sampleDeployment, waitFor } from "../../helpers/fake-controller.js";

interface Harness {
  controller: FakeController;
  socketPath: string;
  server: ApiServer;
  dir: string;
}

async function startHarness(t: ExecutionContext, options: { eventBufferBytes?: number; maxBodyBytes?: number } = {}): Promise<Harness> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "comin-api-"));
  // Teardowns run last-registered first: the server closes before its directory goes.
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const socketPath = path.join(dir, "comin.sock");
  const controller = new FakeController();
  const server = await startApiServer({ socketPath, controller, log: silentLogger, ...options });
  t.teardown(() => server.close());
  return { controller, socketPath, server, dir };
}

function request(socketPath: string, method: string, urlPath: string, body?: string | Buffer): Promise<{ status: number; json: unknown; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path: urlPath, headers: body === undefined ? {} : { "content-type": "application/json" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString("utf8")), headers: res.headers }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

test("the socket is created with mode 0600", async (t) => {
  const h = await startHarness(t);

  const mode = (await stat(h.socketPath)).mode & 0o777;

  t.is(mode, 0o600);
});

test("GET /v1/status returns the controller's status", async (t) => {
  const h = await startHarness(t);

  const reply = await request(h.socketPath, "GET", "/v1/status");

  t.is(reply.status, 200);
  t.deepEqual(reply.json, h.controller.state);
});

test("POST /v1/fetch answers 202 at once and fetches in the background", async (t) => {
  const h = await startHarness(t);
  const hold = deferred<FetchOutcome[]>();
  h.controller.fetchBehaviour = () => hold.promise;

  const reply = await request(h.socketPath, "POST", "/v1/fetch", JSON.stringify({ remotes: ["origin"] }));

  t.is(reply.status, 202);
  t.deepEqual(reply.json, { remotes: ["origin"] });
  t.deepEqual(h.controller.callsOf("fetch"), [[["origin"]]]);
  hold.resolve([]);
});

test("POST /v1/fetch with wait answers with the outcomes once the fetch finished", async (t) => {
  const h = await startHarness(t);
  const hold = deferred<FetchOutcome[]>();
  h.controller.fetchBehaviour = () => hold.promise;
  let answered = false;

  const replying = request(h.socketPath, "POST", "/v1/fetch", JSON.stringify({ wait: true })).then((reply) => {
    answered = true;
    return reply;
  });
  await waitFor(() => h.controller.callsOf("fetch").length === 1, "the fetch to start");
  t.false(answered);
  hold.resolve([{ remote: "origin", ok: false, error: "could not resolve host" }]);
  const reply = await replying;

  t.is(reply.status, 200);
  t.deepEqual(reply.json, { outcomes: [{ remote: "origin", ok: false, error: "could not resolve host" }] });
  t.deepEqual(h.controller.callsOf("fetch"), [[undefined]]);
});

test("an unknown remote or a malformed body is a 400 and fetches nothing", async (t) => {
  const h = await startHarness(t);

  const unknown = await request(h.socketPath, "POST", "/v1/fetch", JSON.stringify({ remotes: ["nope"] }));
  const badType = await request(h.socketPath, "POST", "/v1/fetch", JSON.stringify({ wait: "yes" }));
  const badJson = await request(h.socketPath, "POST", "/v1/fetch", "{");
  const extraKey = await request(h.socketPath, "POST", "/v1/fetch", JSON.stringify({ remote: ["origin"] }));

  t.is(unknown.status, 400);
  t.regex((unknown.json as { error: string }).error, /unknown remote "nope" \(configured: origin\)/);
  t.is(badType.status, 400);
  t.is(badJson.status, 400);
  t.is(extraKey.status, 400);
  t.deepEqual(h.controller.callsOf("fetch"), []);
});

test("suspend and resume reach the controller; repeating one is a 200 that says nothing changed", async (t) => {
  const h = await startHarness(t);

  const suspended = await request(h.socketPath, "POST", "/v1/suspend");
  const again = await request(h.socketPath, "POST", "/v1/suspend");
  t.true(h.controller.state.suspended);
  const resumed = await request(h.socketPath, "POST", "/v1/resume");
  const running = await request(h.socketPath, "POST", "/v1/resume");

  t.deepEqual([suspended.status, again.status, resumed.status, running.status], [200, 200, 200, 200]);
  t.false(h.controller.state.suspended);
  t.deepEqual([suspended.json, again.json, resumed.json, running.json], [
    { suspended: true, changed: true },
    { suspended: true, changed: false },
    { suspended: false, changed: true },
    { suspended: false, changed: false },
  ]);
});

test("deployments, submit-latest and its operation check", async (t) => {
  const h = await startHarness(t);

  const list = await request(h.socketPath, "GET", "/v1/deployments");
  const submitted = await request(h.socketPath, "POST", "/v1/deployments/submit-latest", JSON.stringify({ operation: "test" }));
  const invalid = await request(h.socketPath, "POST", "/v1/deployments/submit-latest", JSON.stringify({ operation: "dry-activate" }));
  h.controller.submitBehaviour = () => {
    throw new Error("there is no generation to deploy yet");
  };
  const nothing = await request(h.socketPath, "POST", "/v1/deployments/submit-latest");

  t.deepEqual(list.json, [sampleDeployment()]);
  t.is(submitted.status, 200);
  t.is((submitted.json as { deployment: { operation: string } }).deployment.operation, "test");
  t.is(invalid.status, 400);
  t.deepEqual(h.controller.callsOf("submitLatest"), [["test"], [undefined]]);
  t.is(nothing.status, 409);
  t.deepEqual(nothing.json, { error: "there is no generation to deploy yet" });
});

test("confirmations are listed and accepted", async (t) => {
  const h = await startHarness(t);
  const pending = { stage: "deploy" as const, mode: "manual" as const, generationId: "gen-1", commit: "abc", submittedAt: "2026-06-20T10:00:00.000Z", autoAt: null };
  h.controller.pendingConfirmations = [pending];

  const shown = await request(h.socketPath, "GET", "/v1/confirmations");
  const accepted = await request(h.socketPath, "POST", "/v1/confirmations/accept");
  const again = await request(h.socketPath, "POST", "/v1/confirmations/accept");

  t.deepEqual(shown.json, [pending]);
  t.deepEqual(accepted.json, { accepted: [pending] });
  t.deepEqual(again.json, { accepted: [] });
});

test("unknown paths are 404 and wrong methods 405, as JSON errors", async (t) => {
  const h = await startHarness(t);

  const missing = await request(h.socketPath, "GET", "/v1/nope");
  const wrong = await request(h.socketPath, "GET", "/v1/suspend");

  t.is(missing.status, 404);
  t.regex((missing.json as { error: string }).error, /no such endpoint/);
  t.is(wrong.status, 405);
  t.is(wrong.headers["allow"], "POST");
  t.deepEqual(h.controller.callsOf("suspend"), []);
});

test("a body over the limit is a 413", async (t) => {
  const h = await startHarness(t, { maxBodyBytes: 1024 });

  const reply = await request(h.socketPath, "POST", "/v1/fetch", JSON.stringify({ remotes: Array(500).fill("origin") }));

  t.is(reply.status, 413);
  t.deepEqual(h.controller.callsOf("fetch"), []);
});

test("a stale socket file left by a dead daemon is replaced", async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "comin-api-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const socketPath = path.join(dir, "comin.sock");
  // A daemon killed with SIGKILL leaves its socket file behind.
  await execa(process.execPath, ["-e", `require("net").createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, "SIGKILL"))`], { reject: false });
  t.true((await stat(socketPath)).isSocket());

  const server = await startApiServer({ socketPath, controller: new FakeController(), log: silentLogger });
  t.teardown(() => server.close());
  const reply = await request(socketPath, "GET", "/v1/status");

  t.is(reply.status, 200);
});

test("a second daemon on the same socket is refused and the first keeps serving", async (t) => {
  const h = await startHarness(t);

  const error = await t.throwsAsync(startApiServer({ socketPath: h.socketPath, controller: new FakeController(), log: silentLogger }), { instanceOf: SocketInUseError });
  const reply = await request(h.socketPath, "GET", "/v1/status");

  t.regex(error?.message ?? "", /another comin daemon is already listening/);
  t.is(reply.status, 200);
});

test("a path that is not a socket is never replaced", async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "comin-api-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const socketPath = path.join(dir, "comin.sock");
  await writeFile(socketPath, "precious");

  await t.throwsAsync(startApiServer({ socketPath, controller: new FakeController(), log: silentLogger }), { instanceOf: SocketInUseError, message: /is not a socket/ });

  t.true((await stat(socketPath)).isFile());
});

test("close() removes the socket", async (t) => {
  const h = await startHarness(t);

  await h.server.close();

  await t.throwsAsync(stat(h.socketPath), { code: "ENOENT" });
});

// ---------------------------------------------------------------- events

function openEvents(socketPath: string): Promise<{ res: http.IncomingMessage; lines: string[]; req: http.ClientRequest }> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    const req = http.request({ socketPath, path: "/v1/events" }, (res) => {
      let rest = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        const parts = (rest + chunk).split("\n");
        rest = parts.pop() ?? "";
        lines.push(...parts);
      });
      resolve({ res, lines, req });
    });
    req.on("error", reject);
    req.end();
  });
}

test("GET /v1/events streams each event as one JSON line, as it happens", async (t) => {
  const h = await startHarness(t);
  const stream = await openEvents(h.socketPath);
  t.teardown(() => stream.req.destroy());
  await waitFor(() => h.controller.listenerCount === 1, "the subscription");

  h.controller.emit({ type: "suspended", at: "2026-06-20T10:00:00.000Z" });
  h.controller.emit({ type: "fetch-started", at: "2026-06-20T10:00:01.000Z", remotes: ["origin"] });
  await waitFor(() => stream.lines.length === 2, "two event lines");

  t.regex(stream.res.headers["content-type"] ?? "", /^application\/x-ndjson/);
  t.deepEqual(stream.lines.map((line) => JSON.parse(line)), [
    { type: "suspended", at: "2026-06-20T10:00:00.000Z" },
    { type: "fetch-started", at: "2026-06-20T10:00:01.000Z", remotes: ["origin"] },
  ]);
});

test("a client that disconnects is unsubscribed", async (t) => {
  const h = await startHarness(t);
  const stream = await openEvents(h.socketPath);
  await waitFor(() => h.controller.listenerCount === 1, "the subscription");

  stream.req.destroy();

  await waitFor(() => h.controller.listenerCount === 0, "the unsubscription");
  t.pass();
});

test("a client that does not read is dropped, and emitting never blocks", async (t) => {
  const h = await startHarness(t, { eventBufferBytes: 64 * 1024 });
  const stream = await openEvents(h.socketPath);
  t.teardown(() => stream.req.destroy());
  stream.res.pause();
  await waitFor(() => h.controller.listenerCount === 1, "the subscription");
  const big = { type: "reboot-required" as const, at: "2026-06-20T10:00:00.000Z", reason: "x".repeat(16 * 1024) };

  const started = Date.now();
  let emitted = 0;
  // Far more than the kernel's socket buffers and the 64 KiB allowance together.
  while (h.controller.listenerCount > 0 && emitted < 10_000) {
    h.controller.emit(big);
    emitted++;
    if (emitted % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
  }

  t.is(h.controller.listenerCount, 0, "the slow client was dropped");
  t.true(emitted < 10_000);
  t.true(Date.now() - started < 5000);
});

test("close() ends open event streams cleanly", async (t) => {
  const h = await startHarness(t);
  const stream = await openEvents(h.socketPath);
  await waitFor(() => h.controller.listenerCount === 1, "the subscription");
  const ended = new Promise<void>((resolve) => stream.res.on("end", resolve));

  await h.server.close();
  await ended;

  t.is(h.controller.listenerCount, 0);
});

test("§14 rollback and quarantine endpoints: bodies checked, refusals are 409", async (t) => {
  const h = await startHarness(t);
  h.controller.state.quarantine = [{ commit: "9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6", outPath: null, reason: "r", at: "2026-06-20T09:58:00.000Z" }];

  const rollback = await request(h.socketPath, "POST", "/v1/rollback", JSON.stringify({}));
  const badRollback = await request(h.socketPath, "POST", "/v1/rollback", JSON.stringify({ quarantine: "no" }));
  const list = await request(h.socketPath, "GET", "/v1/quarantine");
  const neither = await request(h.socketPath, "POST", "/v1/quarantine/clear", JSON.stringify({}));
  const notHex = await request(h.socketPath, "POST", "/v1/quarantine/clear", JSON.stringify({ commit: "main; rm -rf /" }));
  const unknown = await request(h.socketPath, "POST", "/v1/quarantine/clear", JSON.stringify({ commit: "abcdef" }));
  const all = await request(h.socketPath, "POST", "/v1/quarantine/clear", JSON.stringify({ all: true }));

  t.is(rollback.status, 200);
  t.deepEqual(h.controller.callsOf("rollback"), [[{ quarantine: true }]], "quarantine by default");
  t.is(badRollback.status, 400);
  t.is((list.json as unknown[]).length, 1);
  t.is(neither.status, 400);
  t.is(notHex.status, 400);
  t.is(unknown.status, 409);
  t.is(all.status, 200);
  t.is((all.json as { cleared: unknown[] }).cleared.length, 1);
});
