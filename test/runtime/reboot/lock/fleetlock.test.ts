/**
 * The FleetLock reboot lock (behaviour.md §16) against the fixture server of the tests: the
 * protocol's header and body, grants, refusals with the server's words, 5xx and no server as errors.
 */
import test from "ava";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { RebootLockError } from "../../../../runtime/reboot/lock/http.js";
import { FleetLockRebootLock } from "../../../../runtime/reboot/lock/fleetlock.js";
import { FleetLockServer } from "../../../helpers/fleetlock.js";
import { freePort } from "../../../helpers/temp.js";

test("pre-reboot takes the slot, a second machine is refused with the server's words, steady-state frees it", async (t) => {
  const server = await FleetLockServer.start(t, 1);
  const lock = (id: string) => ({ id, lock: new FleetLockRebootLock(`${server.url}/`, "web") });
  const [a, b] = [lock("a"), lock("b")];

  const first = await a.lock.acquire(a.id);
  const again = await a.lock.acquire(a.id);
  const refused = await b.lock.acquire(b.id);
  const released = await a.lock.release(a.id);
  const afterRelease = await b.lock.acquire(b.id);

  t.true(first.granted);
  t.true(again.granted, "idempotent on the server side too");
  t.false(refused.granted);
  t.is(refused.refusal, "group web: the FleetLock server refused (HTTP 409 failed_lock: semaphore is full)");
  t.true(released.released);
  t.true(afterRelease.granted);
  t.deepEqual(server.requests[0], { path: "/v1/pre-reboot", header: "true", body: { client_params: { id: "a", group: "web" } } });
  t.deepEqual(refused.view, { group: "web", slots: null, holders: null });
});

test("a 5xx answer and no server at all are errors (fail closed), not refusals", async (t) => {
  const broken = http.createServer((_req, res) => res.writeHead(503).end("etcd behind airlock is down"));
  await new Promise<void>((resolve) => broken.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => broken.close(() => resolve())));
  const brokenUrl = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;

  const failing = await t.throwsAsync(new FleetLockRebootLock(brokenUrl, "web").acquire("a"), { instanceOf: RebootLockError });
  const missing = await t.throwsAsync(new FleetLockRebootLock(`http://127.0.0.1:${await freePort()}`, "web").acquire("a"), { instanceOf: RebootLockError });
  const releaseFailing = await t.throwsAsync(new FleetLockRebootLock(brokenUrl, "web").release("a"), { instanceOf: RebootLockError });

  t.is(failing?.message, `FleetLock ${brokenUrl}/v1/pre-reboot: HTTP 503 etcd behind airlock is down`);
  t.regex(missing?.message ?? "", /ECONNREFUSED/);
  t.regex(releaseFailing?.message ?? "", /v1\/steady-state: HTTP 503/);
});
