import test from "ava";
import { execa } from "execa";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { silentLogger } from "../../runtime/log.js";
import { Metrics, startMetricsServer } from "../../runtime/metrics.js";
import { emptyState, StateStore } from "../../runtime/state/store.js";
import { FakeController, SHA_A, SHA_B, sampleDeployment, sampleGeneration, sampleStatus } from "../helpers/fake-controller.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const AT = "2026-06-20T10:00:00.000Z";

async function values(metrics: Metrics, name: string): Promise<{ labels: Record<string, string | number>; value: number; metricName?: string }[]> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  return (await metric.get()).values as { labels: Record<string, string | number>; value: number; metricName?: string }[];
}

async function value(metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const found = (await values(metrics, name)).find((sample) => Object.entries(labels).every(([key, v]) => sample.labels[key] === v));
  return found?.value;
}

function withMetrics(controller = new FakeController()): { controller: FakeController; metrics: Metrics } {
  return { controller, metrics: new Metrics({ version: "1.2.3", controller }) };
}

test("the exposition passes `promtool check metrics` after every kind of event", async (t) => {
  const controller = new FakeController();
  const metrics = new Metrics({ version: "1.2.3", controller, stateSaveFailures: () => 2 });
  controller.emit({ type: "fetch-finished", at: AT, remote: "origin", ok: true, error: null, durationMs: 800 });
  controller.emit({ type: "fetch-finished", at: AT, remote: "origin", ok: false, error: "boom", durationMs: 50 });
  controller.emit({ type: "eval-finished", at: AT, generation: "gen-1", commit: SHA_A, status: "done", error: null, durationMs: 12_000 });
  controller.emit({ type: "build-finished", at: AT, generation: "gen-1", commit: SHA_A, status: "failed", error: "x", durationMs: 90_000 });
  controller.emit({ type: "deployment-finished", at: AT, deployment: sampleDeployment(), durationMs: 30_000 });
  controller.emit({ type: "retry-scheduled", at: AT, stage: "build", attempt: 2, of: 3, due: AT });
  controller.emit({ type: "reboot", at: AT, reboot: { at: AT, reason: "kernel changed", from: null, to: null } });
  const rollback = { trigger: "health", to: "/nix/store/x", status: "done", error: null } as const;
  controller.emit({ type: "rolled-back", at: AT, deployment: sampleDeployment({ status: "rolled-back", rollback }), rollback });
  controller.emit({ type: "rollback-failed", at: AT, deployment: sampleDeployment({ status: "failed" }), rollback: { ...rollback, status: "failed", error: "exit 1" } });
  controller.state.deployment = sampleDeployment({ health: { status: "failed", checks: [{ name: "web", ok: false, detail: "HTTP 500" }] } });

  const text = await metrics.registry.metrics();
  const lint = await execa("promtool", ["check", "metrics"], { input: text, reject: false });

  t.is(lint.exitCode, 0, `${lint.stdout}\n${lint.stderr}`);
  t.is(`${lint.stdout}${lint.stderr}`.trim(), "");
  for (const name of [
    "comin_build_info",
    "comin_deployment_info",
    "comin_fetch_count",
    "comin_is_suspended",
    "comin_need_to_reboot",
    "comin_last_fetch_failed",
    "comin_last_eval_failed",
    "comin_last_build_failed",
    "comin_last_deployment_failed",
    "comin_last_successful_fetch_timestamp_seconds",
    "comin_last_successful_deployment_timestamp_seconds",
    "comin_stage_duration_seconds",
    "comin_retries_total",
    "comin_reboots_total",
    "comin_state_save_failures_total",
    "comin_rollbacks_total",
    "comin_rollback_failures_total",
    "comin_health_check_failed",
    "comin_quarantined_commits",
  ]) {
    t.regex(text, new RegExp(`^# TYPE ${name} `, "m"), name);
  }
  metrics.close();
});

test("comin_state_save_failures_total counts the state store's failed writes", async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "comin-metrics-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, "state.json");
  const store = new StateStore(file, silentLogger, { retryMs: 3_600_000 });
  const metrics = new Metrics({ version: "1.2.3", controller: new FakeController(), stateSaveFailures: () => store.saveFailures });
  const before = await value(metrics, "comin_state_save_failures_total");
  // A directory where state.json goes: the write fails (EISDIR), even as root.
  await mkdir(path.join(file, "blocker"), { recursive: true });

  await store.save(emptyState()).catch(() => {});

  t.is(before, 0);
  t.is(await value(metrics, "comin_state_save_failures_total"), 1);
  metrics.close();
});

test("comin_build_info carries the version", async (t) => {
  const { metrics } = withMetrics();

  t.is(await value(metrics, "comin_build_info", { version: "1.2.3" }), 1);
  metrics.close();
});

test("state gauges are read from controller.status() at scrape time, without any event", async (t) => {
  const controller = new FakeController(sampleStatus({ suspended: true, needToReboot: true }));
  const { metrics } = withMetrics(controller);

  t.is(await value(metrics, "comin_is_suspended"), 1);
  t.is(await value(metrics, "comin_need_to_reboot"), 1);

  controller.state.suspended = false;
  controller.state.needToReboot = false;
  await new Promise((resolve) => setImmediate(resolve));

  t.is(await value(metrics, "comin_is_suspended"), 0);
  t.is(await value(metrics, "comin_need_to_reboot"), 0);
  metrics.close();
});

test("comin_deployment_info has only the current deployment's series", async (t) => {
  const { controller, metrics } = withMetrics();
  t.deepEqual((await values(metrics, "comin_deployment_info")).map((s) => s.labels), [{ commit_id: SHA_A, status: "done" }]);

  controller.state.deployment = sampleDeployment({ id: "dep-2", commit: SHA_B, status: "failed" });
  await new Promise((resolve) => setImmediate(resolve));
  const after = await values(metrics, "comin_deployment_info");

  t.deepEqual(after.map((s) => s.labels), [{ commit_id: SHA_B, status: "failed" }]);
  t.is(after[0]?.value, 1);
  metrics.close();
});

test("comin_fetch_count counts each fetch once, by remote and outcome", async (t) => {
  const { controller, metrics } = withMetrics();

  controller.emit({ type: "fetch-started", at: AT, remotes: ["origin"] });
  controller.emit({ type: "fetch-finished", at: AT, remote: "origin", ok: true, error: null, durationMs: 10 });
  controller.emit({ type: "fetch-finished", at: AT, remote: "origin", ok: true, error: null, durationMs: 10 });
  controller.emit({ type: "fetch-finished", at: AT, remote: "origin", ok: false, error: "unreachable", durationMs: 10 });

  t.is(await value(metrics, "comin_fetch_count", { remote_name: "origin", status: "succeeded" }), 2);
  t.is(await value(metrics, "comin_fetch_count", { remote_name: "origin", status: "failed" }), 1);
  t.is(await value(metrics, "comin_fetches_total", { remote_name: "origin", status: "succeeded" }), 2);
  t.is(await value(metrics, "comin_fetches_total", { remote_name: "origin", status: "failed" }), 1);
  metrics.close();
});

test("comin_last_fetch_failed follows each remote's last fetch", async (t) => {
  const status = sampleStatus();
  status.remotes.push({
    name: "mirror",
    url: "/srv/git/infra.git",
    lastFetch: { at: AT, ok: false, error: "no such repository" },
    main: { name: "main", commit: null, error: null },
    testing: { name: null, commit: null, error: null },
  });
  const { metrics } = withMetrics(new FakeController(status));

  t.is(await value(metrics, "comin_last_fetch_failed", { remote_name: "origin" }), 0);
  t.is(await value(metrics, "comin_last_fetch_failed", { remote_name: "mirror" }), 1);
  metrics.close();
});

test("comin_last_*_failed keep the last finished outcome while a stage runs again", async (t) => {
  const controller = new FakeController(
    sampleStatus({ generation: sampleGeneration({ build: { status: "failed", error: "builder failed", startedAt: AT, endedAt: AT } }) }),
  );
  const { metrics } = withMetrics(controller);
  t.is(await value(metrics, "comin_last_build_failed"), 1);
  t.is(await value(metrics, "comin_last_eval_failed"), 0);

  // A retry starts: the build is running, the last finished build still failed.
  controller.state.generation = sampleGeneration({ build: { status: "running", error: null, startedAt: AT, endedAt: null } });
  await new Promise((resolve) => setImmediate(resolve));
  t.is(await value(metrics, "comin_last_build_failed"), 1);

  controller.emit({ type: "build-finished", at: AT, generation: "gen-1", commit: SHA_A, status: "done", error: null, durationMs: 5 });
  t.is(await value(metrics, "comin_last_build_failed"), 0);
  metrics.close();
});

test("§15 a manifest lookup is not an evaluation: no eval duration observed; a prebuilt system clears comin_last_eval_failed", async (t) => {
  const controller = new FakeController(sampleStatus({ generation: sampleGeneration({ eval: { status: "failed", error: "boom", startedAt: AT, endedAt: AT } }) }));
  const { metrics } = withMetrics(controller);
  const evalCount = async () => (await values(metrics, "comin_stage_duration_seconds")).find((s) => s.metricName === "comin_stage_duration_seconds_count" && s.labels["stage"] === "eval")?.value ?? 0;

  controller.emit({ type: "eval-finished", at: AT, generation: "gen-1", commit: SHA_A, status: "pending", error: "waiting for a prebuilt system", durationMs: 40 });
  controller.state.generation = sampleGeneration({ source: "prebuilt", eval: { status: "skipped", error: "prebuilt", startedAt: AT, endedAt: AT } });
  controller.emit({ type: "eval-finished", at: AT, generation: "gen-1", commit: SHA_A, status: "skipped", error: "prebuilt", durationMs: 30 });

  t.is(await evalCount(), 0);
  t.is(await value(metrics, "comin_last_eval_failed"), 0);
  metrics.close();
});

test("comin_last_deployment_failed reads the latest deployment of the history (restored after a restart)", async (t) => {
  const history = [sampleDeployment(), sampleDeployment({ id: "dep-2", createdAt: "2026-06-20T11:00:00.000Z", status: "failed", error: "activation failed" })];
  const { metrics } = withMetrics(new FakeController(sampleStatus(), history));

  t.is(await value(metrics, "comin_last_deployment_failed"), 1);
  metrics.close();
});

test("last successful fetch and deployment timestamps come from status and history, then from events", async (t) => {
  const { controller, metrics } = withMetrics();
  t.is(await value(metrics, "comin_last_successful_fetch_timestamp_seconds", { remote_name: "origin" }), Date.parse("2026-06-20T09:58:00.000Z") / 1000);
  t.is(await value(metrics, "comin_last_successful_deployment_timestamp_seconds"), Date.parse("2026-06-20T09:57:00.000Z") / 1000);

  controller.emit({ type: "fetch-finished", at: "2026-06-20T10:30:00.000Z", remote: "origin", ok: true, error: null, durationMs: 10 });
  // A failed fetch afterwards does not move the last success.
  controller.state.remotes[0]!.lastFetch = { at: "2026-06-20T10:31:00.000Z", ok: false, error: "down" };
  await new Promise((resolve) => setImmediate(resolve));

  t.is(await value(metrics, "comin_last_successful_fetch_timestamp_seconds", { remote_name: "origin" }), Date.parse("2026-06-20T10:30:00.000Z") / 1000);
  metrics.close();
});

test("a fleet member that never deployed has no deployment series", async (t) => {
  const { metrics } = withMetrics(new FakeController(sampleStatus({ deployment: null, generation: null }), []));

  t.deepEqual(await values(metrics, "comin_deployment_info"), []);
  t.deepEqual(await values(metrics, "comin_last_successful_deployment_timestamp_seconds"), []);
  metrics.close();
});

test("stage durations, retries and reboots follow the events", async (t) => {
  const { controller, metrics } = withMetrics();
  t.is(await value(metrics, "comin_retries_total", { stage: "deploy" }), 0);
  t.is(await value(metrics, "comin_reboots_total"), 0);

  controller.emit({ type: "eval-finished", at: AT, generation: "g", commit: SHA_A, status: "done", error: null, durationMs: 3000 });
  controller.emit({ type: "deployment-finished", at: AT, deployment: sampleDeployment(), durationMs: 45_000 });
  controller.emit({ type: "retry-scheduled", at: AT, stage: "deploy", attempt: 2, of: 3, due: AT });
  controller.emit({ type: "reboot", at: AT, reboot: { at: AT, reason: "kernel", from: null, to: null } });

  const histogram = await values(metrics, "comin_stage_duration_seconds");
  const sum = (stage: string) => histogram.find((s) => s.metricName === "comin_stage_duration_seconds_sum" && s.labels["stage"] === stage)?.value;
  t.is(sum("eval"), 3);
  t.is(sum("deploy"), 45);
  t.is(sum("build"), 0);
  t.is(await value(metrics, "comin_retries_total", { stage: "deploy" }), 1);
  t.is(await value(metrics, "comin_reboots_total"), 1);
  metrics.close();
});

test("§14 rollbacks count by trigger; failed checks and the quarantine are read from the status at scrape time", async (t) => {
  const { controller, metrics } = withMetrics();
  t.is(await value(metrics, "comin_rollbacks_total", { trigger: "boot" }), 0);
  t.is(await value(metrics, "comin_quarantined_commits"), 0);
  t.deepEqual(await values(metrics, "comin_health_check_failed"), []);

  const rollback = { trigger: "health", to: "/nix/store/x", status: "done", error: null } as const;
  controller.emit({ type: "rolled-back", at: AT, deployment: sampleDeployment({ status: "rolled-back", rollback }), rollback });
  controller.emit({ type: "rollback-failed", at: AT, deployment: sampleDeployment({ status: "failed" }), rollback: { ...rollback, trigger: "manual", status: "failed", error: "exit 1" } });
  controller.state.quarantine = [{ commit: SHA_B, outPath: null, reason: "health check web failed", at: AT }];
  controller.state.deployment = sampleDeployment({
    health: { status: "running", checks: [{ name: "web", ok: false, detail: "HTTP 500" }, { name: "units", ok: true, detail: null }, { name: "app", ok: null, detail: null }] },
  });
  // The next scrape (one status snapshot per scrape).
  await new Promise((resolve) => setImmediate(resolve));

  t.is(await value(metrics, "comin_rollbacks_total", { trigger: "health" }), 1);
  t.is(await value(metrics, "comin_rollbacks_total", { trigger: "manual" }), 0);
  t.is(await value(metrics, "comin_rollback_failures_total", { trigger: "manual" }), 1);
  t.is(await value(metrics, "comin_quarantined_commits"), 1);
  t.is(await value(metrics, "comin_health_check_failed", { check: "web" }), 1);
  t.is(await value(metrics, "comin_health_check_failed", { check: "units" }), 0);
  t.is(await value(metrics, "comin_health_check_failed", { check: "app" }), undefined, "not run yet: no series");
  metrics.close();
});

test("close() unsubscribes from the event stream", (t) => {
  const { controller, metrics } = withMetrics();
  t.is(controller.listenerCount, 1);

  metrics.close();

  t.is(controller.listenerCount, 0);
});

test("two Metrics instances do not share a registry (no global default registry)", async (t) => {
  const first = withMetrics();
  const second = withMetrics();

  first.controller.emit({ type: "reboot", at: AT, reboot: { at: AT, reason: "kernel", from: null, to: null } });

  t.is(await value(first.metrics, "comin_reboots_total"), 1);
  t.is(await value(second.metrics, "comin_reboots_total"), 0);
  first.metrics.close();
  second.metrics.close();
});

test("the metrics server serves /metrics and 404 elsewhere", async (t) => {
  const { metrics } = withMetrics();
  const server = await startMetricsServer({ listenAddress: "127.0.0.1", port: 0, metrics, log: silentLogger });
  t.teardown(async () => {
    await server.close();
    metrics.close();
  });

  const ok = await fetch(`http://127.0.0.1:${server.port}/metrics`);
  const missing = await fetch(`http://127.0.0.1:${server.port}/`);

  t.is(ok.status, 200);
  t.regex(ok.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  t.regex(await ok.text(), /^comin_build_info\{version="1\.2\.3"\} 1$/m);
  t.is(missing.status, 404);
  await missing.text();
});

// ---------------------------------------------------------------- alerts and dashboard

test("alerts/comin.rules.yml passes `promtool check rules` and its unit tests", async (t) => {
  const check = await execa("promtool", ["check", "rules", path.join(ROOT, "alerts/comin.rules.yml")], { reject: false });
  const unit = await execa("promtool", ["test", "rules", path.join(ROOT, "alerts/comin.rules.test.yml")], { reject: false });

  t.is(check.exitCode, 0, `${check.stdout}\n${check.stderr}`);
  t.regex(check.stdout, /SUCCESS: 11 rules found/);
  t.is(unit.exitCode, 0, `${unit.stdout}\n${unit.stderr}`);
});

function collectExprs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) collectExprs(item, out);
  else if (node && typeof node === "object") {
    for (const [key, child] of Object.entries(node)) {
      if (key === "expr" && typeof child === "string") out.push(child);
      else collectExprs(child, out);
    }
  }
  return out;
}

test("every metric the dashboard queries exists in the Metrics registry, and every query parses", async (t) => {
  const dashboard = JSON.parse(await readFile(path.join(ROOT, "dashboards/comin-fleet.json"), "utf8")) as { panels: { id: number; title: string }[]; uid: string };
  const { metrics } = withMetrics();
  const exprs = collectExprs(dashboard);
  const names = new Set(exprs.flatMap((expr) => expr.match(/\bcomin_[a-z0-9_]+/g) ?? []));

  t.true(exprs.length >= 10);
  t.is(new Set(dashboard.panels.map((panel) => panel.id)).size, dashboard.panels.length, "panel ids are unique");
  for (const name of names) {
    const direct = metrics.registry.getSingleMetric(name);
    const base = metrics.registry.getSingleMetric(name.replace(/_(bucket|sum|count)$/, ""));
    t.true(direct !== undefined || (base !== undefined && String((await base.get()).type) === "histogram"), `${name} is not exported`);
  }
  for (const required of ["comin_deployment_info", "comin_last_fetch_failed", "comin_need_to_reboot", "comin_is_suspended", "comin_stage_duration_seconds_bucket", "comin_rollbacks_total", "comin_quarantined_commits"]) {
    t.true(names.has(required), `the dashboard shows ${required}`);
  }

  // promtool parses every query once Grafana's variables are replaced by plain values.
  const dir = await mkdtemp(path.join(os.tmpdir(), "comin-dashboard-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const concrete = exprs.map((expr) => expr.replaceAll("$__rate_interval", "5m").replaceAll("$job", "comin").replaceAll("$instance", ".*"));
  const rules = `groups:\n  - name: dashboard\n    rules:\n${concrete.map((expr, i) => `      - record: dashboard:query${i}\n        expr: ${JSON.stringify(expr)}\n`).join("")}`;
  await writeFile(path.join(dir, "queries.yml"), rules);
  const check = await execa("promtool", ["check", "rules", path.join(dir, "queries.yml")], { reject: false });
  t.is(check.exitCode, 0, `${check.stdout}\n${check.stderr}`);
  metrics.close();
});

test("comin_reboot_lock_held and comin_reboot_lock_error follow the status, and are absent without coordination", async (t) => {
  const controller = new FakeController(sampleStatus({ rebootLock: null }));
  const { metrics } = withMetrics(controller);
  const absent = [await value(metrics, "comin_reboot_lock_held"), await value(metrics, "comin_reboot_lock_error")];

  controller.state.rebootLock = { backend: "etcd", group: "default", slots: 1, holders: ["m1"], held: true, error: null };
  await new Promise((resolve) => setImmediate(resolve));
  const held = [await value(metrics, "comin_reboot_lock_held"), await value(metrics, "comin_reboot_lock_error")];
  controller.state.rebootLock = { backend: "etcd", group: "default", slots: 1, holders: [], held: false, error: "etcd: connect ECONNREFUSED" };
  await new Promise((resolve) => setImmediate(resolve));
  const failing = [await value(metrics, "comin_reboot_lock_held"), await value(metrics, "comin_reboot_lock_error")];

  t.deepEqual(absent, [undefined, undefined]);
  t.deepEqual(held, [1, 0]);
  t.deepEqual(failing, [0, 1]);
  metrics.close();
});
