/**
 * Figure 2: what the agent adds on top of git and Nix. One full cycle of the daemon (fetch →
 * select → verify → eval → build → profile → activate, SSH-signed commits) is timed from its own
 * log (the start of its fetch) to the kernel's timestamp of switch-to-configuration's write; the
 * same work done by the classic shell loop (bench/baseline.ts) on an equivalent commit is timed
 * from its start to the same kind of write. Both sides get a new system each run (a commit that
 * changes only their own host), so neither profits from the other's Nix caches; the order
 * alternates to cancel drift on a shared machine.
 */
import path from "node:path";
import { execa } from "execa";
import { createMachine, Daemon, deployed, GIT_ENV, localRemote, tempDir, type Machine } from "../../test/helpers/daemon.js";
import { createSshKey, writeAllowedSigners } from "../../test/helpers/git.js";
import { prepareBaseline, runBaseline, type Baseline } from "../baseline.js";
import { BenchFleet } from "../fleet.js";
import { fetchRecords, parseLog, type LogEntry } from "../log-lines.js";
import type { Scenario } from "../scenario.js";
import { summarise } from "../stats.js";
import { measureSpawnCost } from "../spawn-cost.js";
import { recordLineCount, waitForRecord } from "../switch-record.js";

const RUNS = 15;
const DEADLINE_MS = 120_000;

/** The agent's milestones in its log, in cycle order; each segment is named after its end. */
const MILESTONES = ["candidate-selected", "eval-started", "eval-finished", "build-started", "build-finished", "deployment-started", "profile set"] as const;

export interface AgentCycle {
  totalMs: number;
  /** Time from the previous milestone to this one (`fetch` from the fetch start, `switch` up to the record). */
  segments: Record<string, number>;
}

/** The agent's cycle, from the log lines written after a trigger and the time of the switch record. */
export function agentCycle(entries: readonly LogEntry[], switchAt: number): AgentCycle {
  const fetch = fetchRecords(entries)[0];
  if (!fetch) throw new Error("the daemon logged no fetch after the trigger");
  const segments: Record<string, number> = { fetch: fetch.durationMs };
  let previous = fetch.endedAt;
  for (const milestone of MILESTONES) {
    const entry = entries.find((candidate) => candidate.msg === milestone && candidate.at >= previous);
    if (!entry) continue;
    segments[milestone] = entry.at - previous;
    previous = entry.at;
  }
  segments.switch = switchAt - previous;
  return { totalMs: switchAt - fetch.startedAt, segments };
}

interface Sides {
  fleet: BenchFleet;
  agent: Machine;
  shell: Machine;
  daemon: Daemon;
  baseline: Baseline;
  signers: string;
  variants: { agent: number; shell: number };
}

function hosts(sides: Pick<Sides, "agent" | "shell" | "variants">) {
  return {
    agent: sides.agent.host({ variant: `agent-${sides.variants.agent}` }),
    shell: sides.shell.host({ variant: `shell-${sides.variants.shell}` }),
  };
}

async function timeAgent(sides: Sides): Promise<AgentCycle> {
  sides.variants.agent += 1;
  const { sha } = await sides.fleet.commitAndPush(hosts(sides), `agent ${sides.variants.agent}`);
  const records = await recordLineCount(sides.agent.record);
  const firstLine = sides.daemon.lines.length;
  await sides.daemon.call("POST", "/v1/fetch", {});
  const { at } = await waitForRecord(sides.agent.record, records, DEADLINE_MS, "the agent's activation");
  await sides.daemon.waitFor(deployed(sha, "switch"), DEADLINE_MS, "the agent's deployment");
  // Everything after the activation (state, reboot check) is done before the shell side runs.
  await waitForLog(sides.daemon, firstLine, "deployment-finished");
  return agentCycle(parseLog(sides.daemon.lines.slice(firstLine)), at);
}

async function waitForLog(daemon: Daemon, from: number, msg: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!parseLog(daemon.lines.slice(from)).some((entry) => entry.msg === msg)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the daemon to log ${msg}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function timeShell(sides: Sides): Promise<number> {
  sides.variants.shell += 1;
  await sides.fleet.commitAndPush(hosts(sides), `shell ${sides.variants.shell}`);
  const records = await recordLineCount(sides.shell.record);
  const startedAt = await runBaseline(sides.baseline, { host: "shell", profile: sides.shell.paths.profile, allowedSignersFile: sides.signers });
  const { at } = await waitForRecord(sides.shell.record, records, DEADLINE_MS, "the shell loop's activation");
  return at - startedAt;
}

/** The baseline's commands one by one, each timed: where the floor's time goes. */
async function timeShellSteps(sides: Sides): Promise<Record<string, number>> {
  sides.variants.shell += 1;
  await sides.fleet.commitAndPush(hosts(sides), `shell ${sides.variants.shell}`);
  const env = { ...process.env, ...GIT_ENV };
  const repo = sides.baseline.repo;
  const steps: Record<string, number> = {};
  const step = async (name: string, file: string, args: string[]) => {
    const started = performance.now();
    const result = await execa(file, args, { env, stdin: "ignore" });
    steps[name] = performance.now() - started;
    return String(result.stdout).trim();
  };
  await step("git fetch", "git", ["--git-dir", repo, "fetch", "--quiet", "--prune", "--no-tags", "origin", "+refs/heads/*:refs/remotes/origin/*"]);
  const rev = await step("git rev-parse", "git", ["--git-dir", repo, "rev-parse", "refs/remotes/origin/main"]);
  await step("git verify-commit", "git", ["--git-dir", repo, "-c", `gpg.ssh.allowedSignersFile=${sides.signers}`, "verify-commit", rev]);
  const url = `git+file://${repo}?dir=.&ref=refs/remotes/origin/main&rev=${rev}#nixosConfigurations."shell".config.system.build.toplevel.drvPath`;
  const drv = await step("nix eval", "nix", ["--extra-experimental-features", "nix-command flakes", "eval", "--raw", url]);
  const out = await step("nix-store --realise", "nix-store", ["--realise", drv]);
  await step("nix-env --set", "nix-env", ["--profile", sides.shell.paths.profile, "--set", out]);
  await step("switch-to-configuration", path.join(out, "bin", "switch-to-configuration"), ["switch"]);
  return steps;
}

function medians(samples: readonly Record<string, number>[]): Record<string, number> {
  const keys = [...new Set(samples.flatMap((sample) => Object.keys(sample)))];
  return Object.fromEntries(keys.map((key) => [key, Math.round(summarise(samples.map((sample) => sample[key] ?? Number.NaN)).median)]));
}

export const overhead: Scenario = {
  name: "overhead",
  title: "agent cycle vs. the classic shell loop on the same repository",
  async run({ cleanup, progress }) {
    const dir = await tempDir(cleanup, "comin-bench-overhead-");
    const key = await createSshKey(dir, "admin@example.org");
    const signers = await writeAllowedSigners(path.join(dir, "allowed_signers"), [key]);
    const fleet = await BenchFleet.create(path.join(dir, "fleet"), { signingKeyFile: key.privateKeyFile });
    const remotes = [localRemote("origin", fleet.serverDir, { poll: { interval: 0 } })];
    const agent = await createMachine(dir, "agent", { remotes, signatures: { sshAllowedSignersFile: signers } });
    const shell = await createMachine(dir, "shell", { remotes });
    const baseline = await prepareBaseline(path.join(dir, "shell-loop"), fleet.serverDir);
    const variants = { agent: 0, shell: 0 };
    const first = await fleet.commitAndPush(hosts({ agent, shell, variants }), "first");
    const daemon = await Daemon.start(cleanup, agent);
    await daemon.waitFor(deployed(first.sha, "switch"), DEADLINE_MS, "the first deployment");
    const sides: Sides = { fleet, agent, shell, daemon, baseline, signers, variants };

    // Warm-up: the shell loop's first fetch clones everything; the agent's first cycle JITs.
    await timeShell(sides);
    await timeAgent(sides);

    const agentMs: number[] = [];
    const shellMs: number[] = [];
    const segments: Record<string, number>[] = [];
    for (let run = 1; run <= RUNS; run++) {
      let cycle: AgentCycle;
      let floor: number;
      if (run % 2 === 1) {
        cycle = await timeAgent(sides);
        floor = await timeShell(sides);
      } else {
        floor = await timeShell(sides);
        cycle = await timeAgent(sides);
      }
      agentMs.push(cycle.totalMs);
      shellMs.push(floor);
      segments.push(cycle.segments);
      progress(`run ${run}/${RUNS}: agent ${Math.round(cycle.totalMs)} ms, shell loop ${Math.round(floor)} ms`);
    }
    const shellSteps: Record<string, number>[] = [];
    for (let run = 0; run < 3; run++) shellSteps.push(await timeShellSteps(sides));
    if (daemon.child.pid === undefined) throw new Error("the daemon has no pid");
    const spawnCost = await measureSpawnCost(daemon.child.pid);

    return {
      figures: {
        overheadRatio: summarise(agentMs.map((ms, index) => ms / (shellMs[index] ?? Number.NaN))),
        overheadMs: summarise(agentMs.map((ms, index) => ms - (shellMs[index] ?? Number.NaN))),
      },
      details: {
        agentCycleMs: summarise(agentMs),
        shellLoopMs: summarise(shellMs),
        agentSegmentsMedianMs: medians(segments),
        shellStepsMedianMs: medians(shellSteps),
        spawnCost,
        signed: true,
      },
    };
  },
};
