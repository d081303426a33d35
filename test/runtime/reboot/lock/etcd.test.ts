/**
 * The etcd reboot lock (behaviour.md §16) against a real etcd on loopback: compare-and-swap under
 * contention, idempotent re-acquire, releases, endpoints tried in order, failures, TLS.
 */
import test from "ava";
import path from "node:path";
import { EtcdRebootLock } from "../../../../runtime/reboot/lock/etcd.js";
import { RebootLockError } from "../../../../runtime/reboot/lock/http.js";
import { Etcd } from "../../../helpers/etcd.js";
import { freePort, tempDir } from "../../../helpers/temp.js";
import { createCertificate } from "../../../helpers/tls.js";
import { writeFile } from "node:fs/promises";

const PREFIX = "/comin/reboot-lock";
const etcdConfig = (endpoints: string[], tls: { caFile?: string; certFile?: string; keyFile?: string } = {}) => ({
  endpoints,
  prefix: PREFIX,
  caFile: tls.caFile ?? null,
  certFile: tls.certFile ?? null,
  keyFile: tls.keyFile ?? null,
});

async function startEtcd(t: Parameters<typeof tempDir>[0]) {
  const dir = await tempDir(t, "comin-etcd-");
  return Etcd.start(t, dir);
}

test("several clients racing for the last slot: exactly one takes it", async (t) => {
  const etcd = await startEtcd(t);
  await new EtcdRebootLock(etcdConfig([etcd.endpoint]), "web", 2).acquire("already-there");
  const racers = Array.from({ length: 8 }, (_, i) => `machine-${i}`);

  const results = await Promise.all(racers.map((id) => new EtcdRebootLock(etcdConfig([etcd.endpoint]), "web", 2).acquire(id)));

  const winners = racers.filter((_, i) => results[i]?.granted);
  t.is(winners.length, 1, `winners: ${winners.join(", ")}`);
  t.deepEqual(await etcd.get(`${PREFIX}/web`), { slots: 2, holders: ["already-there", winners[0]] });
  for (const result of results.filter((r) => !r.granted)) t.regex(result.refusal ?? "", /^group web: 2\/2 held by already-there, machine-\d$/);
});

test("taking a slot this machine already holds succeeds and takes no second one", async (t) => {
  const etcd = await startEtcd(t);
  const lock = new EtcdRebootLock(etcdConfig([etcd.endpoint]), "default", 3);

  const first = await lock.acquire("m1");
  const again = await lock.acquire("m1");

  t.true(first.granted);
  t.true(again.granted);
  t.deepEqual(await etcd.holders(`${PREFIX}/default`), ["m1"]);
  t.deepEqual(again.view, { group: "default", slots: 3, holders: ["m1"] });
});

test("releasing a holder that is not there changes nothing; releasing one that is frees its slot", async (t) => {
  const etcd = await startEtcd(t);
  const lock = new EtcdRebootLock(etcdConfig([etcd.endpoint]), "default", 1);
  const missingKey = await lock.release("nobody");
  await lock.acquire("m1");

  const notThere = await lock.release("m2");
  const before = await etcd.get(`${PREFIX}/default`);
  const released = await lock.release("m1");

  t.false(missingKey.released);
  t.false(notThere.released);
  t.deepEqual(before, { slots: 1, holders: ["m1"] });
  t.true(released.released);
  t.deepEqual(await etcd.get(`${PREFIX}/default`), { slots: 1, holders: [] });
  t.true((await lock.acquire("m2")).granted, "the freed slot can be taken");
});

test("groups are separate keys: a full group does not stop another one", async (t) => {
  const etcd = await startEtcd(t);
  await new EtcdRebootLock(etcdConfig([etcd.endpoint]), "db", 1).acquire("db1");

  const web = await new EtcdRebootLock(etcdConfig([etcd.endpoint]), "web", 1).acquire("web1");
  const db = await new EtcdRebootLock(etcdConfig([etcd.endpoint]), "db", 1).acquire("db2");

  t.true(web.granted);
  t.false(db.granted);
  t.deepEqual(await etcd.holders(`${PREFIX}/web`), ["web1"]);
});

test("endpoints are tried in order: a dead first endpoint does not stop the lock", async (t) => {
  const etcd = await startEtcd(t);
  const dead = `http://127.0.0.1:${await freePort()}`;

  const result = await new EtcdRebootLock(etcdConfig([dead, etcd.endpoint]), "default", 1).acquire("m1");

  t.true(result.granted);
  t.deepEqual(await etcd.holders(`${PREFIX}/default`), ["m1"]);
});

test("etcd down: a RebootLockError naming every endpoint tried", async (t) => {
  const etcd = await startEtcd(t);
  const lock = new EtcdRebootLock(etcdConfig([etcd.endpoint]), "default", 1);
  await etcd.stop();

  const error = await t.throwsAsync(lock.acquire("m1"), { instanceOf: RebootLockError });

  t.true(error?.message.startsWith(`etcd: ${etcd.endpoint}/v3/kv/range: `), error?.message);
});

test("a value that is not the lock's JSON is an error naming the key, never overwritten", async (t) => {
  const etcd = await startEtcd(t);
  await etcd.put(`${PREFIX}/default`, ["not", "a", "lock"]);

  const error = await t.throwsAsync(new EtcdRebootLock(etcdConfig([etcd.endpoint]), "default", 1).acquire("m1"), { instanceOf: RebootLockError });

  t.regex(error?.message ?? "", /etcd key \/comin\/reboot-lock\/default is not \{"slots": N, "holders": \[ids\]\}/);
  t.deepEqual(await etcd.get(`${PREFIX}/default`), ["not", "a", "lock"]);
});

test("TLS: the CA file checks etcd's certificate and the client certificate authenticates the agent", async (t) => {
  const dir = await tempDir(t, "comin-etcd-tls-");
  const cert = await createCertificate(dir);
  const keyFile = path.join(dir, "key.pem");
  await writeFile(keyFile, cert.key, { mode: 0o600 });
  const etcd = await Etcd.start(t, dir, { tls: { certFile: cert.certFile, keyFile, caFile: cert.certFile } });

  const withFiles = await new EtcdRebootLock(etcdConfig([etcd.endpoint], { caFile: cert.certFile, certFile: cert.certFile, keyFile }), "default", 1).acquire("m1");
  const withoutCa = await t.throwsAsync(new EtcdRebootLock(etcdConfig([etcd.endpoint]), "default", 1).acquire("m2"), { instanceOf: RebootLockError });

  t.true(withFiles.granted);
  t.regex(withoutCa?.message ?? "", /certificate/i);
});
