/**
 * Figure 1: Nix evaluation processes per deployed commit (target: exactly 1, behaviour.md §5).
 * The daemon runs with wrapper `nix`, `nix-instantiate`, `nix-build`, `nix-store`, `nix-env` and
 * `git` first on its PATH; each deployment of a new commit is triggered through the local API
 * (polling off) and the calls logged between two deployments are counted. The processes the
 * daemon itself started are broken down by command, to explain its overhead (figure 2).
 */
import path from "node:path";
import { createMachine, Daemon, deployed, localRemote, tempDir } from "../../test/helpers/daemon.js";
import { BenchFleet } from "../fleet.js";
import { createProcessSpy, isEvaluation, NIX_PROGRAMS, nixSubcommand, type SpiedCall } from "../process-spy.js";
import type { Scenario } from "../scenario.js";
import { summarise } from "../stats.js";

const RUNS = 5;

/** "git fetch", "nix eval", "nix-store --realise": a call's program and what it does. */
export function commandName(call: SpiedCall): string {
  if (call.program === "nix") return `nix ${nixSubcommand(call.args) ?? "?"}`;
  if (call.program === "git") return `git ${call.args.find((arg) => !arg.startsWith("-")) ?? "?"}`;
  return `${call.program} ${call.args.find((arg) => arg.startsWith("--")) ?? ""}`.trim();
}

export const evaluations: Scenario = {
  name: "evaluations",
  title: "Nix evaluations per deployed commit",
  async run({ cleanup, progress }) {
    const dir = await tempDir(cleanup, "comin-bench-evals-");
    const fleet = await BenchFleet.create(path.join(dir, "fleet"));
    const spy = await createProcessSpy(path.join(dir, "spy"), [...NIX_PROGRAMS, "git"]);
    const machine = await createMachine(dir, "evals", { remotes: [localRemote("origin", fleet.serverDir, { poll: { interval: 0 } })] });
    const first = await fleet.commitAndPush({ evals: machine.host({ variant: "evals-0" }) }, "evals 0");
    const daemon = await Daemon.start(cleanup, machine, { PATH: `${spy.binDir}:${process.env.PATH ?? ""}` });
    await daemon.waitFor(deployed(first.sha, "switch"), 120_000, "the first deployment");
    const pid = daemon.child.pid;

    const evaluationsPerDeploy: number[] = [];
    const ownProcessesPerDeploy: number[] = [];
    const byCommand: Record<string, number[]> = {};
    for (let run = 1; run <= RUNS; run++) {
      const before = (await spy.calls()).length;
      const pushed = await fleet.commitAndPush({ evals: machine.host({ variant: `evals-${run}` }) }, `evals ${run}`);
      await daemon.call("POST", "/v1/fetch", {});
      await daemon.waitFor(deployed(pushed.sha, "switch"), 120_000, `deployment ${run}`);
      const calls = (await spy.calls()).slice(before);
      const evaluating = calls.filter(isEvaluation);
      const own = calls.filter((call) => call.ppid === pid);
      const counts: Record<string, number> = {};
      for (const call of own) counts[commandName(call)] = (counts[commandName(call)] ?? 0) + 1;
      for (const [command, count] of Object.entries(counts)) (byCommand[command] ??= []).push(count);
      evaluationsPerDeploy.push(evaluating.length);
      ownProcessesPerDeploy.push(own.length);
      progress(`deployment ${run}/${RUNS}: ${evaluating.length} evaluation(s); the daemon started ${own.length} processes`);
    }
    return {
      figures: { evalsPerDeploy: summarise(evaluationsPerDeploy) },
      details: {
        evaluationsPerDeploy,
        daemonProcessesPerDeploy: summarise(ownProcessesPerDeploy),
        daemonProcessesByCommand: Object.fromEntries(Object.entries(byCommand).map(([command, counts]) => [command, summarise(counts).median])),
      },
    };
  },
};
