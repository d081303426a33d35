/**
 * The listener under hundreds of hostile sockets at once (real TCP on loopback): what an
 * unauthenticated client can hold is bounded, and a forge's delivery is still served. Deadlines
 * are the configured timeout plus slack for a loaded machine; no assertion is about speed.
 */
import test from "ava";
import { HostileClients, sendSignedPush } from "../../helpers/flood.js";
import { SECRET, startWebhookHarness } from "../../helpers/webhook.js";

const ORIGIN = "https://git.example.org/acme/infra.git";
/** Slack on top of a timeout before a deadline is missed: the machine may be busy. */
const SLACK_MS = 4000;

function flood(t: import("ava").ExecutionContext, clients: HostileClients): HostileClients {
  t.teardown(() => clients.destroy());
  return clients;
}

test("hundreds of idle connections and trickled headers are closed by the server after headersTimeout, while a delivery is served", async (t) => {
  const limits = { headersTimeoutMs: 1000, requestTimeoutMs: 2000, timeoutCheckIntervalMs: 250, maxConnections: 1000 };
  const h = await startWebhookHarness(t, { limits });
  const idle = flood(t, await HostileClients.open({ port: h.port, kind: "idle", count: 300 }));
  const slowloris = flood(t, await HostileClients.open({ port: h.port, kind: "trickled-headers", count: 100 }));

  const reply = await sendSignedPush(h.port, SECRET, ORIGIN);
  await idle.allClosedByServer(limits.headersTimeoutMs + limits.timeoutCheckIntervalMs + SLACK_MS, "idle");
  await slowloris.allClosedByServer(limits.headersTimeoutMs + limits.timeoutCheckIntervalMs + SLACK_MS, "trickled headers");

  t.is(reply.status, 202);
  t.is(idle.closedByServer, 300);
  t.is(slowloris.closedByServer, 100);
  t.is(slowloris.answered(408), 100);
});

test("hundreds of bodies that never end (declared or chunked) are closed after requestTimeout", async (t) => {
  const limits = { headersTimeoutMs: 1000, requestTimeoutMs: 2000, timeoutCheckIntervalMs: 250, maxConnections: 1000, maxBufferedBytes: 64 * 1024 * 1024 };
  const h = await startWebhookHarness(t, { limits });
  const partial = flood(t, await HostileClients.open({ port: h.port, kind: "partial-body", count: 200, declaredBytes: 4096, sentBytes: 1000 }));
  const chunked = flood(t, await HostileClients.open({ port: h.port, kind: "endless-chunked", count: 100 }));

  const reply = await sendSignedPush(h.port, SECRET, ORIGIN);
  await partial.allClosedByServer(limits.requestTimeoutMs + limits.timeoutCheckIntervalMs + SLACK_MS, "partial bodies");
  await chunked.allClosedByServer(limits.requestTimeoutMs + limits.timeoutCheckIntervalMs + SLACK_MS, "endless chunked bodies");

  t.is(reply.status, 202);
  t.is(partial.closedByServer + chunked.closedByServer, 300);
  t.deepEqual(h.controller.callsOf("fetch"), [[["origin"]]]);
});

test("keep-alive connections left idle after their reply are closed after keepAliveTimeout", async (t) => {
  const limits = { keepAliveTimeoutMs: 300, maxConnections: 1000, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 };
  const h = await startWebhookHarness(t, { limits });
  // A complete request with a wrong signature: answered 401, and the connection may be kept.
  const done = flood(t, await HostileClients.open({ port: h.port, kind: "partial-body", count: 100, declaredBytes: 1000, sentBytes: 1000 }));

  await done.allClosedByServer(limits.keepAliveTimeoutMs + SLACK_MS, "kept-alive connections");

  t.is(done.answered(401), 100);
  t.is(done.closedByServer, 100);
});

test("beyond maxConnections the oldest idle connection is closed, requests in progress last, and a delivery is served", async (t) => {
  const limits = { maxConnections: 50, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 };
  const h = await startWebhookHarness(t, { limits });
  const slow = flood(t, await HostileClients.open({ port: h.port, kind: "partial-body", count: 20, declaredBytes: 4096, sentBytes: 100, awaitContinue: true }));
  const idle = flood(t, await HostileClients.open({ port: h.port, kind: "idle", count: 300 }));

  const reply = await sendSignedPush(h.port, SECRET, ORIGIN);
  // 20 slow + 300 idle + the delivery = 321 connections for 50 places.
  const deadline = Date.now() + SLACK_MS;
  while (idle.closedByServer < 271 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));

  t.is(reply.status, 202);
  t.is(idle.closedByServer, 271);
  t.is(slow.closedByServer, 0);
});

test("large bodies beyond maxBufferedBytes are refused with 503 before being read, and small deliveries are still served", async (t) => {
  const limits = { maxBufferedBytes: 256 * 1024, smallBodyBytes: 16 * 1024, maxConnections: 1000, requestTimeoutMs: 60_000, headersTimeoutMs: 60_000 };
  const h = await startWebhookHarness(t, { maxBodyBytes: 256 * 1024, limits });
  // 30 bodies announcing 128 KiB (2 fit in the budget); they ask for 100-continue first, so
  // that a refused one is never invited to send a byte of its body.
  const large = flood(t, await HostileClients.open({ port: h.port, kind: "partial-body", count: 30, declaredBytes: 128 * 1024, sentBytes: 64 * 1024, awaitContinue: true }));
  const deadline = Date.now() + SLACK_MS;
  while (large.answered(503) < 28 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));

  const reply = await sendSignedPush(h.port, SECRET, ORIGIN);

  t.is(large.answered(503), 28);
  t.is(large.continued, 2);
  t.like(h.server.stats(), { reservedBytes: 256 * 1024, refused: 28 });
  t.is(reply.status, 202);
  t.deepEqual(h.controller.callsOf("fetch"), [[["origin"]]]);
});

test("what refused clients sent is handed to the garbage collector once their connections are closed", async (t) => {
  const limits = { maxBufferedBytes: 256 * 1024, smallBodyBytes: 16 * 1024, maxConnections: 1000, requestTimeoutMs: 60_000, headersTimeoutMs: 60_000 };
  const h = await startWebhookHarness(t, { maxBodyBytes: 256 * 1024, limits });
  // 40 bodies of 128 KiB, sent whole but for one byte: 2 are read, 38 refused and closed.
  const large = flood(t, await HostileClients.open({ port: h.port, kind: "partial-body", count: 40, declaredBytes: 128 * 1024, sentBytes: 128 * 1024 - 1 }));
  const deadline = Date.now() + SLACK_MS;
  while (large.closedByServer < 38 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));

  t.is(large.answered(503), 38);
  t.is(large.closedByServer, 38);
  t.true(h.server.stats().collections >= 1, `${h.server.stats().collections} collections`);
});

test("a flood of refusals writes a bounded number of log lines, then their count", async (t) => {
  const h = await startWebhookHarness(t, { limits: { maxConnections: 1000 } });
  const refused = flood(t, await HostileClients.open({ port: h.port, kind: "partial-body", count: 200, declaredBytes: 10, sentBytes: 10 }));
  const deadline = Date.now() + SLACK_MS;
  while (refused.answered(401) < 200 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));

  const lines = h.logs.filter((line) => line.includes('"webhook refused"'));

  t.is(refused.answered(401), 200);
  t.true(lines.length <= 20, `${lines.length} refusal lines`);
});
