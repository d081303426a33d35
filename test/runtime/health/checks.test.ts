/**
 * The four check kinds and the verification loop (runtime/health/): real processes (a `systemctl`
 * stand-in script first on PATH, as there is no systemd here), a real HTTP server on loopback, real
 * timers. Serial: each test writes scripts and executes them at once (ETXTBSY otherwise).
 */
import test from "ava";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { HealthCheckConfig } from "../../../dsl/schema.js";
import { runCheck } from "../../../runtime/health/checks.js";
import { verifyHealth } from "../../../runtime/health/verify.js";
import { tempDir } from "../../helpers/nix.js";
import { writeExecutable } from "../../helpers/temp.js";

const serial = test.serial;

function check(fields: Partial<HealthCheckConfig>): HealthCheckConfig {
  return { name: "c", http: null, systemdUnit: null, noFailedUnits: false, command: null, timeout: 2, ...fields };
}

async function server(t: { teardown(fn: () => unknown): void }, handler: http.RequestListener): Promise<string> {
  const s = http.createServer(handler);
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise((resolve) => s.close(resolve)));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;
}

/** A `systemctl` stand-in first on PATH: prints `$STATE`-like fixed answers. */
async function systemctlOnPath(dir: string, body: string): Promise<() => void> {
  await writeExecutable(path.join(dir, "systemctl"), `#!/bin/sh\n${body}\n`);
  const before = process.env["PATH"];
  process.env["PATH"] = `${dir}:${before ?? ""}`;
  return () => {
    process.env["PATH"] = before;
  };
}

serial("http: the expected status passes, another fails with the status, no answer fails by its error", async (t) => {
  const url = await server(t, (req, res) => res.writeHead(req.url === "/ok" ? 204 : 503).end());
  t.like(await runCheck(check({ http: { url: `${url}ok`, expectStatus: 204 } }), { env: {} }), { ok: true, detail: "HTTP 204" });
  t.like(await runCheck(check({ http: { url: `${url}down`, expectStatus: 200 } }), { env: {} }), { ok: false, detail: "HTTP 503, expected 200" });
  t.like(await runCheck(check({ http: { url: "http://127.0.0.1:1/", expectStatus: 200 } }), { env: {} }), { ok: false, detail: "ECONNREFUSED" });
});

serial("http: a server that never answers fails after the check's timeout", async (t) => {
  const url = await server(t, () => undefined);
  const started = Date.now();
  const result = await runCheck(check({ http: { url, expectStatus: 200 }, timeout: 1 }), { env: {} });
  t.like(result, { ok: false });
  t.regex(result.detail ?? "", /timed out|ECONNRESET/);
  t.true(Date.now() - started < 3000);
});

serial("systemdUnit and noFailedUnits ask the systemctl found on PATH", async (t) => {
  const dir = await tempDir(t);
  const restore = await systemctlOnPath(dir, `if [ "$1" = is-active ]; then if [ "$2" = nginx.service ]; then echo active; exit 0; fi; echo failed; exit 3; fi\nif [ "$1" = list-units ]; then echo "app.service loaded failed failed App"; fi`);
  try {
    t.like(await runCheck(check({ systemdUnit: "nginx.service" }), { env: {} }), { ok: true, detail: "nginx.service is active" });
    t.like(await runCheck(check({ systemdUnit: "app.service" }), { env: {} }), { ok: false, detail: "app.service is failed" });
    t.like(await runCheck(check({ noFailedUnits: true }), { env: {} }), { ok: false, detail: "failed units: app.service" });
  } finally {
    restore();
  }
});

serial("command: exit 0 passes; otherwise the tail of its output is the detail; COMIN_* variables are set; a slow one times out", async (t) => {
  const dir = await tempDir(t);
  const script = path.join(dir, "probe");
  await writeExecutable(script, `#!/bin/sh\necho "probing $COMIN_GIT_SHA"\n[ "$1" = good ] && exit 0\n[ "$1" = slow ] && exec sleep 30\necho "database unreachable" >&2\nexit 2\n`);
  t.like(await runCheck(check({ command: [script, "good"] }), { env: { COMIN_GIT_SHA: "abc" } }), { ok: true, detail: "probing abc" });
  const bad = await runCheck(check({ command: [script, "bad"] }), { env: { COMIN_GIT_SHA: "abc" } });
  t.false(bad.ok);
  t.regex(bad.detail ?? "", /database unreachable/);
  const started = Date.now();
  t.like(await runCheck(check({ command: [script, "slow"], timeout: 1 }), { env: {} }), { ok: false, detail: "timed out" });
  t.true(Date.now() - started < 5000);
});

serial("verification: healthy on the first round where every check passes; unhealthy when the timeout passes first", async (t) => {
  let answers = [503, 503, 200];
  const url = await server(t, (_req, res) => res.writeHead(answers.shift() ?? 200).end());
  const rounds: unknown[] = [];
  const health = { checks: [check({ name: "web", http: { url, expectStatus: 200 }, timeout: 1 })], gracePeriod: 0, interval: 1, timeout: 5, onFailure: "rollback" as const };
  const healthy = await verifyHealth(health, { env: {}, onRound: (checks) => rounds.push(checks) });
  t.true(healthy.ok);
  t.is(rounds.length, 3, "two failed rounds, then a passing one");

  answers = Array(20).fill(500);
  const started = Date.now();
  const unhealthy = await verifyHealth({ ...health, timeout: 2 }, { env: {}, onRound: () => undefined });
  t.false(unhealthy.ok);
  t.false(unhealthy.cancelled);
  t.deepEqual(unhealthy.checks, [{ name: "web", ok: false, detail: "HTTP 500, expected 200" }]);
  const took = Date.now() - started;
  t.true(took >= 2000 && took < 4000, `took ${took} ms`);
});

serial("verification: stopping the agent cancels it (neither healthy nor unhealthy)", async (t) => {
  const url = await server(t, (_req, res) => res.writeHead(200).end());
  const abort = new AbortController();
  const health = { checks: [check({ name: "web", http: { url, expectStatus: 200 } })], gracePeriod: 30, interval: 1, timeout: 60, onFailure: "rollback" as const };
  setTimeout(() => abort.abort(), 100);
  const outcome = await verifyHealth(health, { env: {}, onRound: () => undefined, signal: abort.signal });
  t.true(outcome.cancelled);
  t.false(outcome.ok);
});
