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

test("beyond maxConnections, connections that made no request within their grace are closed oldest first, before requests in progress, and a delivery is served", async (t) => {
  const limits = { maxConnections: 50, newcomerGraceMs: 250, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 };
  const h = await startWebhookHarness(t, { limits });
  const idle = flood(t, await HostileClients.open({ port: h.port, kind: "idle", count: 200 }));
  const slow = flood(t, await HostileClients.open({ port: h.port, kind: "partial-body", count: 20, declaredBytes: 4096, sentBytes: 100, awaitContinue: true }));

  const reply = await sendSignedPush(h.port, SECRET, ORIGIN, { timeoutMs: 10_000 });
  // 200 idle + 20 slow = 220 connections for 50 places, once the newcomers' grace is over.
  const deadline = Date.now() + limits.newcomerGraceMs + SLACK_MS;
  while (idle.closedByServer < 170 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));

  t.is(reply.status, 202);
  t.is(idle.closedByServer, 170);
  t.is(slow.closedByServer, 0);
  t.like(h.server.stats().evictions, { idle: 170, slowBody: 0 });
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

test("at the cap, held by bodies that stopped arriving, a delivery whose head comes late is served: the slowest body gives way, not the newcomer", async (t) => {
  const limits = { maxConnections: 20, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 };
  const h = await startWebhookHarness(t, { limits });
  // Every place is taken by a request whose body stopped halfway (admitted: 100 Continue).
  const slow = flood(t, await HostileClients.open({ port: h.port, kind: "partial-body", count: 20, declaredBytes: 4096, sentBytes: 100, awaitContinue: true }));
  t.is(slow.continued, 20);

  // A forge on a slow link or a loaded machine: its request arrives well after its connection.
  const replies = await Promise.allSettled(Array.from({ length: 5 }, (_, index) => sendSignedPush(h.port, SECRET, ORIGIN, { headDelayMs: 400 + 50 * index, timeoutMs: 10_000 })));

  t.deepEqual(
    replies.map((reply) => (reply.status === "fulfilled" ? reply.value.status : (reply.reason as NodeJS.ErrnoException).code)),
    [202, 202, 202, 202, 202],
  );
  // As many stalled bodies as there were newcomers over the cap then (deliveries served early left).
  t.true(slow.closedByServer >= 1 && slow.closedByServer <= 5, `${slow.closedByServer} stalled bodies closed`);
  t.like(h.server.stats().evictions, { slowBody: slow.closedByServer, newcomer: 0 });
});

test("signed pushes sent all through a flood at the connection cap (idle sockets, stalled bodies, late heads) are all served", async (t) => {
  const limits = { maxConnections: 50, newcomerGraceMs: 250, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 };
  const h = await startWebhookHarness(t, { limits });
  const pushes: Promise<unknown>[] = [];
  const push = (headDelayMs: number) => pushes.push(sendSignedPush(h.port, SECRET, ORIGIN, { headDelayMs, timeoutMs: 15_000 }).then((reply) => reply.status, (error: NodeJS.ErrnoException) => error.code));
  const floods: HostileClients[] = [];
  // Four waves, each a little longer apart than a newcomer's grace (so that its connections are
  // told from the next wave's): 560 hostile connections in about a second, for 50 places.
  for (let wave = 0; wave < 4; wave++) {
    if (wave > 0) await new Promise((resolve) => setTimeout(resolve, 300));
    push(0);
    push(100);
    floods.push(flood(t, await HostileClients.open({ port: h.port, kind: "partial-body", count: 40, declaredBytes: 4096, sentBytes: 100, awaitContinue: true })));
    push(150);
    floods.push(flood(t, await HostileClients.open({ port: h.port, kind: "idle", count: 100 })));
    push(50);
  }
  const statuses = await Promise.all(pushes);

  // Once the last newcomers' grace is over, the cap holds again.
  const deadline = Date.now() + limits.newcomerGraceMs + SLACK_MS;
  while (h.server.stats().connections > limits.maxConnections && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));

  t.deepEqual(statuses, Array.from({ length: 16 }, () => 202));
  t.true(h.controller.callsOf("fetch").length >= 1);
  t.true(h.server.stats().connections <= limits.maxConnections, `${h.server.stats().connections} connections open`);
});
