/**
 * `comin_fetch_count` keeps the established agent's name, but Prometheus' linter (promtool check
 * metrics) rejects a counter without `_total` and reserves `_count` for histograms and summaries.
 * Exposed as `untyped`, the same samples pass the linter and still work with rate() and
 * increase(); `comin_fetches_total` is the same count as a proper counter, for new dashboards.
 *
 * prom-client's classes have no untyped kind, and its registry takes any metric object that
 * answers `get()` and `reset()` (that is all it calls): this small one is such an object, so
 * nothing of prom-client's internals is touched.
 */
import type { Metric, Registry } from "prom-client";

type Labels<T extends string> = Partial<Record<T, string>>;

export class UntypedCount<T extends string> {
  private readonly samples = new Map<string, { labels: Labels<T>; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  inc(labels: Labels<T>, by = 1): void {
    const key = JSON.stringify(Object.entries(labels).sort());
    const sample = this.samples.get(key) ?? { labels, value: 0 };
    sample.value += by;
    this.samples.set(key, sample);
  }

  async get(): Promise<{ name: string; help: string; type: "untyped"; aggregator: "sum"; values: { labels: Labels<T>; value: number }[] }> {
    return { name: this.name, help: this.help, type: "untyped", aggregator: "sum", values: [...this.samples.values()].map((s) => ({ labels: { ...s.labels }, value: s.value })) };
  }

  reset(): void {
    this.samples.clear();
  }
}
