/**
 * bench/results.json and the table printed at the end: every figure with its unit, its target
 * (where the issue sets one) and whether the median meets it.
 */
import { writeFile } from "node:fs/promises";
import type { MachineInfo } from "./machine.js";
import { FIGURE_KEYS, type FigureKey } from "./scenario.js";
import { roundFigure, type Figure } from "./stats.js";

export interface Target {
  text: string;
  /** Judged on the figure (median, or max where every run must meet it). */
  met(figure: Figure): boolean;
}

export interface FigureSpec {
  label: string;
  unit: string;
  digits: number;
  target?: Target;
}

export const FIGURES: Record<FigureKey, FigureSpec> = {
  evalsPerDeploy: { label: "evaluations per deployment", unit: "", digits: 2, target: { text: "exactly 1", met: (f) => f.min === 1 && f.max === 1 } },
  overheadRatio: { label: "agent cycle / shell loop", unit: "x", digits: 2, target: { text: "median <= 1.1", met: (f) => f.median <= 1.1 } },
  overheadMs: { label: "agent overhead per cycle", unit: "ms", digits: 0 },
  pollLatencyMs: { label: "push -> activation, polling 1 s", unit: "ms", digits: 0 },
  webhookLatencyMs: { label: "push -> activation, webhook", unit: "ms", digits: 0, target: { text: "median < 1000", met: (f) => f.median < 1000 } },
  idleRssMb: { label: "RSS after start", unit: "MiB", digits: 1, target: { text: "median <= 65", met: (f) => f.median <= 65 } },
  rssGrowthMb: { label: "RSS growth over 500 polls", unit: "MiB", digits: 1, target: { text: "none (max <= 5)", met: (f) => f.max <= 5 } },
  liveRssGrowthMb: { label: "RSS growth after a full GC (leak check)", unit: "MiB", digits: 1, target: { text: "none (max <= 5)", met: (f) => f.max <= 5 } },
  cpuPerPollMs: { label: "daemon CPU per no-change poll (3 remotes)", unit: "ms", digits: 2, target: { text: "median <= 20", met: (f) => f.median <= 20 } },
  remotes50MissedPolls: { label: "missed polls per remote, 50 remotes @1 s, 60 s", unit: "", digits: 0, target: { text: "0", met: (f) => f.max === 0 } },
  remotes50CpuPercent: { label: "CPU, 50 remotes @1 s (daemon + git)", unit: "% core", digits: 1, target: { text: "median <= 100", met: (f) => f.median <= 100 } },
  bigRepoFirstFetchMs: { label: "first fetch, 20k commits / 5k files", unit: "ms", digits: 0 },
  bigRepoIncrementalFetchMs: { label: "incremental fetch, big repo", unit: "ms", digits: 0 },
  bigRepoSelectionMs: { label: "selection against the baseline, big repo", unit: "ms", digits: 1 },
  corruptStates: { label: "corrupt state files per 20 kill -9", unit: "", digits: 0, target: { text: "0", met: (f) => f.max === 0 } },
  staleGitLocks: { label: "kills leaving a stale git lock, per 20", unit: "", digits: 0, target: { text: "0", met: (f) => f.max === 0 } },
  webhookFloodRssMb: { label: "RSS growth, 500 idle + 300 partial-body webhook clients", unit: "MiB", digits: 1, target: { text: "max <= 20", met: (f) => f.max <= 20 } },
  webhookFloodServed: { label: "signed webhooks answered during that flood", unit: "%", digits: 0, target: { text: "all (min = 100)", met: (f) => f.min === 100 } },
  fleetServerCpuPercent: { label: "git server CPU, 100 agents polling every 10 s", unit: "% core", digits: 1 },
  fleetFetchP50Ms: { label: "those agents' fetch latency, p50", unit: "ms", digits: 0 },
  fleetFetchP99Ms: { label: "those agents' fetch latency, p99", unit: "ms", digits: 0 },
  localDeployMs: { label: "fetch -> deployed, evaluated and built here", unit: "ms", digits: 0 },
  localPeakRssMb: { label: "peak RSS, agent + children, local build", unit: "MiB", digits: 1 },
  prebuiltDeployMs: { label: "fetch -> deployed, prebuilt (substituted over HTTP)", unit: "ms", digits: 0 },
  prebuiltPeakRssMb: { label: "peak RSS, agent + children, prebuilt", unit: "MiB", digits: 1 },
  prebuiltEvalsPerDeploy: { label: "evaluations per prebuilt deployment", unit: "", digits: 0, target: { text: "0", met: (f) => f.max === 0 } },
  healthVerifyOverheadMs: { label: "activation end -> done, one passing http check, minus the check", unit: "ms", digits: 0, target: { text: "median <= 50", met: (f) => f.median <= 50 } },
  rollbackMs: { label: "failed check -> previous system active again", unit: "ms", digits: 0 },
  rebootLockAcquireMs: { label: "take a free etcd reboot slot (range + txn, loopback)", unit: "ms", digits: 1 },
  uncoordinatedIdleRssMb: { label: "idle RSS, agent without reboot coordination", unit: "MiB", digits: 1 },
  coordinatedIdleRssMb: { label: "idle RSS, agent with etcd reboot coordination", unit: "MiB", digits: 1 },
};

export interface Results {
  date: string;
  machine: MachineInfo;
  figures: Partial<Record<FigureKey, Figure>>;
  details: Record<string, unknown>;
  errors: Record<string, string>;
  durationMs: number;
}

/** The JSON document: the figures at the top level under their keys, as the issue specifies. */
export function resultsDocument(results: Results): Record<string, unknown> {
  const document: Record<string, unknown> = {};
  for (const key of FIGURE_KEYS) {
    const figure = results.figures[key];
    if (figure) document[key] = roundFigure(figure, FIGURES[key].digits + 1);
  }
  const targets: Record<string, { target: string; met: boolean }> = {};
  for (const key of FIGURE_KEYS) {
    const target = FIGURES[key].target;
    const figure = results.figures[key];
    if (target && figure) targets[key] = { target: target.text, met: target.met(figure) };
  }
  return { ...document, machine: results.machine, date: results.date, durationMs: Math.round(results.durationMs), targets, details: results.details, errors: results.errors };
}

export async function writeResults(file: string, results: Results): Promise<void> {
  await writeFile(file, `${JSON.stringify(resultsDocument(results), null, 2)}\n`);
}

function cell(value: number, digits: number): string {
  return value.toFixed(digits);
}

/** A plain-text table: one line per figure, median first. */
export function formatTable(results: Results): string {
  const header = ["figure", "median", "min", "max", "runs", "unit", "target", "met"];
  const rows: string[][] = [];
  for (const key of FIGURE_KEYS) {
    const spec = FIGURES[key];
    const figure = results.figures[key];
    if (!figure) {
      rows.push([spec.label, "-", "-", "-", "0", spec.unit, spec.target?.text ?? "", "not measured"]);
      continue;
    }
    const met = spec.target ? (spec.target.met(figure) ? "yes" : "NO") : "";
    rows.push([spec.label, cell(figure.median, spec.digits), cell(figure.min, spec.digits), cell(figure.max, spec.digits), String(figure.runs), spec.unit, spec.target?.text ?? "", met]);
  }
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const numeric = new Set([1, 2, 3, 4]);
  const line = (row: string[]) => row.map((value, column) => (numeric.has(column) ? value.padStart(widths[column] ?? 0) : value.padEnd(widths[column] ?? 0))).join("  ").trimEnd();
  return [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)].join("\n");
}
