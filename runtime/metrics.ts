/**
 * Prometheus metrics (interfaces.md §5), with the established agent's names so that existing
 * dashboards keep working. Gauges that describe the agent's state are computed from
 * `controller.status()` at scrape time, so they are right at start-up and after a restart;
 * counters and histograms follow the event stream.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { latestDeployment } from "./history.js";
import { isDeployment, type CominEvent, type Controller, type StatusJson } from "./types.js";
import { HealthMetrics } from "./metrics-health.js";
import { UntypedCount } from "./metrics-untyped.js";

// The exporter's HTTP side lives in metrics-server.ts; the daemon loads both from here.
export { startMetricsServer, type MetricsServer } from "./metrics-server.js";

const STAGES = ["fetch", "eval", "build", "deploy"] as const;
const RETRY_STAGES = ["eval", "build", "deploy"] as const;
/** From a quick fetch to a two-hour build (the default build timeout). */
const DURATION_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];

function seconds(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms / 1000;
}

export interface MetricsOptions {
  version: string;
  controller: Controller;
  /** Failed writes of state.json since start-up (`StateStore.saveFailures`). */
  stateSaveFailures?: () => number;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly controller: Controller;
  private readonly unsubscribe: () => void;
  /** The last *finished* outcome of each stage: a stage that is running again keeps showing it. */
  private readonly lastFailed = { eval: 0, build: 0, deployment: 0 };
  private readonly lastSuccessfulFetch = new Map<string, number>();
  private readonly fetchCount: UntypedCount<"remote_name" | "status">;
  private readonly fetchesTotal: Counter<"remote_name" | "status">;
  private readonly stageDuration: Histogram<"stage">;
  private readonly retries: Counter<"stage">;
  private readonly reboots: Counter;
  private readonly health: HealthMetrics;
  private scrapeStatus: StatusJson | undefined;

  constructor(args: MetricsOptions) {
    this.controller = args.controller;
    const registers = [this.registry];

    new Gauge({ name: "comin_build_info", help: "Version of the comin agent (always 1).", labelNames: ["version"], registers }).set({ version: args.version }, 1);

    const metrics = this;
    const scalar = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    const perRemote = (name: string, help: string, read: (remote: StatusJson["remotes"][number]) => number | null) =>
      new Gauge({
        name,
        help,
        labelNames: ["remote_name"],
        registers,
        collect() {
          this.reset();
          for (const remote of metrics.status().remotes) {
            const value = read(remote);
            if (value !== null) this.set({ remote_name: remote.name }, value);
          }
        },
      });

    new Gauge({
      name: "comin_deployment_info",
      help: "The current deployment: its commit and status (always 1; one series).",
      labelNames: ["commit_id", "status"],
      registers,
      collect() {
        this.reset();
        const deployment = metrics.status().deployment ?? latestDeployment(metrics.controller.deployments());
        if (deployment) this.set({ commit_id: deployment.commit ?? "", status: deployment.status }, 1);
      },
    });
    const fetchLabels = { labelNames: ["remote_name", "status"] as const, registers };
    this.fetchCount = new UntypedCount(
      "comin_fetch_count",
      "Fetches of each remote by outcome (succeeded|failed); same as comin_fetches_total, kept for existing dashboards.",
      this.registry,
    );
    this.fetchesTotal = new Counter({ name: "comin_fetches_total", help: "Fetches of each remote by outcome (succeeded|failed).", ...fetchLabels });
    scalar("comin_is_suspended", "1 when builds and deployments are suspended (comin suspend).", () => (this.status().suspended ? 1 : 0));
    scalar(
      "comin_need_to_reboot",
      "1 when the machine must reboot to run its current system (kernel, initrd or modules changed, or a boot deployment).",
      () => (this.status().needToReboot ? 1 : 0),
    );
    // §16: absent without reboot.coordination, so that an alert on them cannot fire where no lock exists.
    const lockGauge = (name: string, help: string, read: (lock: NonNullable<StatusJson["rebootLock"]>) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const lock = metrics.status().rebootLock;
          if (lock) this.set(read(lock));
          else this.remove();
        },
      });
    lockGauge("comin_reboot_lock_held", "1 while this machine holds a slot of the fleet's reboot lock (reboot.coordination).", (lock) => (lock.held ? 1 : 0));
    lockGauge("comin_reboot_lock_error", "1 while the last request to the reboot lock's service (etcd, FleetLock) failed: reboots wait (fail closed).", (lock) => (lock.error ? 1 : 0));
    perRemote("comin_last_fetch_failed", "1 when the last fetch of the remote failed.", (remote) => (remote.lastFetch && !remote.lastFetch.ok ? 1 : 0));
    scalar("comin_last_eval_failed", "1 when the last finished evaluation failed.", () => this.refreshLastFailed().eval);
    scalar("comin_last_build_failed", "1 when the last finished build failed.", () => this.refreshLastFailed().build);
    scalar("comin_last_deployment_failed", "1 when the last finished deployment failed.", () => this.refreshLastFailed().deployment);
    perRemote("comin_last_successful_fetch_timestamp_seconds", "Unix time of the last successful fetch of the remote (absent until one succeeded).", (remote) => {
      const fromStatus = remote.lastFetch?.ok ? seconds(remote.lastFetch.at) : null;
      const at = Math.max(fromStatus ?? 0, this.lastSuccessfulFetch.get(remote.name) ?? 0);
      return at > 0 ? at : null;
    });
    new Gauge({
      name: "comin_last_successful_deployment_timestamp_seconds",
      help: "Unix time at which the last successful deployment ended (absent until one succeeded).",
      registers,
      collect() {
        const done = metrics.controller.deployments().filter(isDeployment).filter((d) => d.status === "done");
        const at = Math.max(0, ...done.map((d) => seconds(d.endedAt) ?? 0));
        // remove() rather than 0: "never" must not read as 1970 in `time() - …` queries.
        if (at > 0) this.set(at);
        else this.remove();
      },
    });
    this.stageDuration = new Histogram({
      name: "comin_stage_duration_seconds",
      help: "Duration of each finished stage (fetch, eval, build, deploy), whatever its outcome.",
      labelNames: ["stage"],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.retries = new Counter({ name: "comin_retries_total", help: "Retries scheduled after a failed stage (eval, build, deploy).", labelNames: ["stage"], registers });
    this.reboots = new Counter({ name: "comin_reboots_total", help: "Reboots started by the agent.", registers });
    const { stateSaveFailures } = args;
    if (stateSaveFailures) {
      new Counter({
        name: "comin_state_save_failures_total",
        help: "Failed writes of state.json (each one is logged and retried); the state in memory is ahead of the disk until a write succeeds.",
        registers,
        collect() {
          // The store owns the count: the counter mirrors it at each scrape.
          this.reset();
          this.inc(stateSaveFailures());
        },
      });
    }

    // Series that exist before the first event, so that dashboards and rate() see a zero start.
    for (const stage of STAGES) this.stageDuration.zero({ stage });
    for (const stage of RETRY_STAGES) this.retries.inc({ stage }, 0);
    this.reboots.inc(0);
    for (const { name } of this.controller.remotes()) {
      for (const status of ["succeeded", "failed"]) {
        this.fetchCount.inc({ remote_name: name, status }, 0);
        this.fetchesTotal.inc({ remote_name: name, status }, 0);
      }
    }

    this.health = new HealthMetrics(this.registry, () => this.status());
    this.unsubscribe = this.controller.subscribe((event) => this.observe(event));
  }

  close(): void {
    this.unsubscribe();
  }

  /** One status snapshot per scrape: every gauge of one scrape describes the same instant. */
  private status(): StatusJson {
    if (!this.scrapeStatus) {
      this.scrapeStatus = this.controller.status();
      setImmediate(() => {
        this.scrapeStatus = undefined;
      });
    }
    return this.scrapeStatus;
  }

  private refreshLastFailed(): Metrics["lastFailed"] {
    const { generation } = this.status();
    const decisive = (status: string, key: keyof Metrics["lastFailed"]) => {
      if (status === "done") this.lastFailed[key] = 0;
      else if (status === "failed") this.lastFailed[key] = 1;
    };
    if (generation) {
      // §15: a prebuilt system skips the evaluation, successfully.
      decisive(generation.source === "prebuilt" && generation.eval.status === "skipped" ? "done" : generation.eval.status, "eval");
      decisive(generation.build.status, "build");
    }
    const deployment = latestDeployment(this.controller.deployments());
    if (deployment) decisive(deployment.status, "deployment");
    return this.lastFailed;
  }

  private observe(event: CominEvent): void {
    // Runs inside the daemon's emit: never throw.
    try {
      this.health.observe(event);
      switch (event.type) {
        case "fetch-finished": {
          const labels = { remote_name: event.remote, status: event.ok ? "succeeded" : "failed" };
          this.fetchCount.inc(labels);
          this.fetchesTotal.inc(labels);
          this.stageDuration.observe({ stage: "fetch" }, event.durationMs / 1000);
          const at = seconds(event.at);
          if (event.ok && at !== null) this.lastSuccessfulFetch.set(event.remote, at);
          break;
        }
        case "eval-finished":
        case "build-finished": {
          const stage = event.type === "eval-finished" ? "eval" : "build";
          // A manifest lookup (§15: eval skipped for a prebuilt system, or still pending while
          // one is awaited) is not an evaluation: it does not count in the eval durations.
          if (event.status !== "pending" && event.status !== "skipped") this.stageDuration.observe({ stage }, event.durationMs / 1000);
          if (event.status === "done" || event.status === "failed") this.lastFailed[stage] = event.status === "failed" ? 1 : 0;
          break;
        }
        case "deployment-finished":
          this.stageDuration.observe({ stage: "deploy" }, event.durationMs / 1000);
          if (event.deployment.status === "done" || event.deployment.status === "failed") {
            this.lastFailed.deployment = event.deployment.status === "failed" ? 1 : 0;
          }
          break;
        case "retry-scheduled":
          this.retries.inc({ stage: event.stage });
          break;
        case "reboot":
          this.reboots.inc();
          break;
        default:
          break;
      }
    } catch {
      // A metric that cannot be updated must not disturb the loop; the next scrape still works.
    }
  }
}
