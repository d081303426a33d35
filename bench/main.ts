/**
 * `npm run bench`: measures what the agent costs (issue "Benchmarks") with the real daemon, real
 * git and real Nix on test systems, prints a table and writes bench/results.json. Not part of the
 * test suite. Options: `--only a,b` runs some scenarios, `--sequential` runs every scenario alone
 * (slower: the crash loop then does not share its stage), `--out FILE` writes elsewhere.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Cleanup } from "./cleanup.js";
import { describeMachine } from "./machine.js";
import { children, killTree } from "./process-tree.js";
import { formatTable, writeResults, type Results } from "./report.js";
import type { Scenario } from "./scenario.js";
import { SCENARIOS, STAGES } from "./scenarios/index.js";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function say(message: string): void {
  process.stderr.write(`${message}\n`);
}

async function runScenario(scenario: Scenario, results: Results, cleanups: Set<Cleanup>): Promise<void> {
  const cleanup = new Cleanup();
  cleanups.add(cleanup);
  const started = performance.now();
  say(`\n== ${scenario.name}: ${scenario.title}`);
  try {
    const outcome = await scenario.run({ cleanup, progress: (message) => say(`   [${scenario.name}] ${message}`) });
    Object.assign(results.figures, outcome.figures);
    results.details[scenario.name] = { ...outcome.details, scenarioMs: Math.round(performance.now() - started) };
  } catch (error) {
    results.errors[scenario.name] = error instanceof Error ? (error.stack ?? error.message) : String(error);
    say(`   [${scenario.name}] FAILED: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    for (const error of await cleanup.run()) say(`   cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
    cleanups.delete(cleanup);
  }
  say(`   [${scenario.name}] done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: "string" },
      sequential: { type: "boolean", default: false },
      out: { type: "string", default: path.join(projectRoot, "bench", "results.json") },
    },
  });
  const wanted = values.only?.split(",").map((name) => name.trim()).filter(Boolean);
  const unknown = (wanted ?? []).filter((name) => !SCENARIOS.some((scenario) => scenario.name === name));
  if (unknown.length > 0) {
    say(`unknown scenario ${unknown.join(", ")}: expected ${SCENARIOS.map((scenario) => scenario.name).join(", ")}`);
    return 2;
  }
  const selected = STAGES.map((stage) => stage.filter((scenario) => !wanted || wanted.includes(scenario.name))).filter((stage) => stage.length > 0);
  const stages = values.sequential ? selected.flat().map((scenario) => [scenario]) : selected;

  const cleanups = new Set<Cleanup>();
  let interrupted = false;
  // An interrupted run still stops its daemons and removes its temporary directories, and writes
  // no results (the scenarios it cut short would fail for a reason that is not theirs).
  const interrupt = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    say(`\n${signal}: cleaning up`);
    // Our own children first (daemons, the shell loop, git), so that none writes into a directory
    // being removed; twice, because the scenarios' code still runs and may start more meanwhile.
    const pass = async (keep: boolean) => {
      await Promise.all((await children(process.pid)).map((pid) => killTree(pid).catch(() => 0)));
      await Promise.all([...cleanups].map((cleanup) => cleanup.run({ keep })));
    };
    void pass(true)
      .then(() => pass(false))
      .finally(() => process.exit(130));
  };
  // `on`, not `once`: execa's exit hook (signal-exit) re-raises a signal that no other listener
  // handles anymore, which would kill this process before its cleanup is done.
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);

  const started = performance.now();
  const results: Results = { date: new Date().toISOString(), machine: await describeMachine(), figures: {}, details: {}, errors: {}, durationMs: 0 };
  say(`comin benchmarks on ${results.machine.cores} cores (load ${results.machine.loadAverageAtStart}), ${results.machine.nix}, ${results.machine.git}, Node ${results.machine.node}`);
  for (const stage of stages) await Promise.all(stage.map((scenario) => runScenario(scenario, results, cleanups)));
  results.durationMs = performance.now() - started;
  if (interrupted) return 130;

  await writeResults(values.out, results);
  process.stdout.write(`\n${formatTable(results)}\n\nwritten to ${path.relative(process.cwd(), values.out) || values.out} in ${(results.durationMs / 1000).toFixed(0)} s\n`);
  return Object.keys(results.errors).length > 0 ? 1 : 0;
}

process.exitCode = await main();
