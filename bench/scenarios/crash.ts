/**
 * Figure 6 (reported, not timed): crash safety under load. The agent is restarted again and
 * again with a new commit to deploy, and killed (kill -9 of its whole process tree, as systemd
 * does to a crashed unit) at a random instant of its deploy cycle: between its "started" line
 * (its first fetch is then running) and just past the end of its deployment, as calibrated on an
 * unharmed restart. Timing from "started" rather than from the spawn keeps the kills inside the
 * cycle however slow Node's start-up is on a busy machine. After each kill the state file on disk
 * must be usable as it is; at the end no `state.json.corrupt-*` may exist and a last daemon must
 * deploy the latest commit. The agent's git repository is checked too: a kill in the middle of a
 * ref update leaves a `*.lock` file that makes every later fetch fail. Such a lock is counted,
 * then removed by the bench (as an operator would), so that the following kills still land in
 * deploy cycles rather than in a wedged agent.
 */
import { spawn } from "node:child_process";
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { CLI, createMachine, Daemon, DAEMON_ENV, DAEMON_NODE_FLAGS, deployed, GIT_ENV, localRemote, tempDir, type Machine } from "../../test/helpers/daemon.js";
import { BenchFleet } from "../fleet.js";
import { findLockFiles } from "../git-locks.js";
import { parseLogLine } from "../log-lines.js";
import { killTree } from "../process-tree.js";
import type { Scenario } from "../scenario.js";
import { summarise } from "../stats.js";
import { stateFileProblemAt } from "../state-check.js";

const KILLS = 100;
const BATCH = 20;

interface Running {
  pid: number;
  /** When the daemon logged the end of a deployment, by commit. */
  deployed: Map<string, number>;
  /** When the daemon logged "started", and the stage its log lines last said it was in. */
  startedAt: number | null;
  phase: string;
  exited: Promise<void>;
  hasExited: boolean;
}

/** Log lines that say which stage the agent is in; other lines leave the stage unchanged. */
const PHASES: Record<string, string> = {
  starting: "agent start-up",
  started: "fetch and selection",
  "fetch-finished": "fetch and selection",
  "baseline moved": "fetch and selection",
  "candidate-selected": "fetch and selection",
  "new generation": "fetch and selection",
  "eval-started": "evaluation",
  "nix eval": "evaluation",
  "eval-finished": "build",
  "build-started": "build",
  "nix build": "build",
  "build-finished": "deployment",
  "deployment-started": "deployment",
  "profile set": "deployment",
  activation: "deployment",
  "deployment-finished": "after the deployment",
};

/** The daemon without waiting for its socket: kills may land before it answers. */
function spawnDaemon(machine: Machine): Running {
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, CLI, "run", "--config", machine.configFile, "--log-format", "json"], {
    env: { ...DAEMON_ENV, ...process.env, ...GIT_ENV },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error("the daemon could not be started");
  const running: Running = {
    pid: child.pid,
    deployed: new Map(),
    startedAt: null,
    phase: "node start-up",
    hasExited: false,
    exited: new Promise((resolve) =>
      child.on("exit", () => {
        running.hasExited = true;
        resolve();
      }),
    ),
  };
  let buffer = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? "";
    for (const line of lines) {
      const entry = parseLogLine(line);
      if (!entry) continue;
      if (entry.msg === "started") running.startedAt ??= Date.now();
      const commit = entry.fields["deployment.commit"];
      if (entry.msg === "deployment-finished" && typeof commit === "string") running.deployed.set(commit, Date.now());
      running.phase = nextPhase(running.phase, entry.msg === "nix" ? `nix ${String(entry.fields.stage)}` : entry.msg);
    }
  });
  child.stderr.resume();
  return running;
}

async function movedAside(stateDir: string): Promise<number> {
  return (await readdir(stateDir)).filter((name) => name.startsWith("state.json.corrupt-")).length;
}

/** The stage after a log line with this message. */
export function nextPhase(current: string, message: string): string {
  return PHASES[message] ?? current;
}

/** Waits (polling, with a deadline) until the daemon logged "started" or exited. */
async function untilStarted(running: Running, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (running.startedAt === null && !running.hasExited) {
    if (Date.now() > deadline) throw new Error(`the daemon did not log "started" within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const crash: Scenario = {
  name: "crash",
  title: `${KILLS} random kill -9 during deploy cycles`,
  async run({ cleanup, progress }) {
    const dir = await tempDir(cleanup, "comin-bench-crash-");
    const fleet = await BenchFleet.create(path.join(dir, "fleet"));
    const machine = await createMachine(dir, "crash", { remotes: [localRemote("origin", fleet.serverDir, { poll: { interval: 1 } })] });
    const stateFile = path.join(machine.stateDir, "state.json");
    const repository = path.join(machine.stateDir, "repository");
    const push = (n: number) => fleet.commitAndPush({ crash: machine.host({ variant: `crash-${n}` }) }, `crash ${n}`);
    const tracked = new Set<Running>();
    cleanup.teardown(async () => {
      for (const running of tracked) await killTree(running.pid).catch(() => undefined);
    });

    // Calibration: how long from "started" to the end of the deployment of the new commit,
    // unharmed. The second run is a restart with a new commit, like every run of the loop (the
    // first one is cold).
    let cycleMs = 0;
    for (const calibrationRun of [-1, 0]) {
      const { sha } = await push(calibrationRun);
      const calibration = spawnDaemon(machine);
      tracked.add(calibration);
      const deadline = Date.now() + 120_000;
      while (!calibration.deployed.has(sha)) {
        if (Date.now() > deadline || calibration.hasExited) throw new Error(`the calibration daemon did not deploy ${sha}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      cycleMs = (calibration.deployed.get(sha) ?? 0) - (calibration.startedAt ?? 0);
      await killTree(calibration.pid);
      await calibration.exited;
      tracked.delete(calibration);
    }
    progress(`calibration: the deployment ends ${Math.round(cycleMs)} ms after "started"`);

    const corruptPerBatch: number[] = [];
    const staleLocksPerBatch: number[] = [];
    const staleLocks: string[] = [];
    let staleLocksInBatch = 0;
    const problems: string[] = [];
    const phases: Record<string, number> = {};
    let corruptInBatch = 0;
    let lastSha = "";
    let movedAsideSoFar = await movedAside(machine.stateDir);
    for (let kill = 1; kill <= KILLS; kill++) {
      lastSha = (await push(kill)).sha;
      const running = spawnDaemon(machine);
      tracked.add(running);
      await untilStarted(running, 60_000);
      // The random instant of the crash: anywhere in the cycle, up to just past its end.
      await Promise.race([running.exited, new Promise((resolve) => setTimeout(resolve, Math.random() * (cycleMs + 100)))]);
      const phase = running.phase;
      await killTree(running.pid);
      await running.exited;
      tracked.delete(running);
      phases[phase] = (phases[phase] ?? 0) + 1;
      // A file the daemon itself found corrupt at its start (and moved aside) counts as well.
      const aside = await movedAside(machine.stateDir);
      const problem = (await stateFileProblemAt(stateFile)) ?? (aside > movedAsideSoFar ? "the agent moved a corrupt state file aside at start-up" : null);
      movedAsideSoFar = aside;
      if (problem !== null) {
        corruptInBatch += 1;
        problems.push(`kill ${kill} (${phase}): ${problem}`);
      }
      const locks = await findLockFiles(repository);
      if (locks.length > 0) {
        staleLocksInBatch += 1;
        staleLocks.push(`kill ${kill} (${phase}): ${locks.join(", ")}`);
        await Promise.all(locks.map((lock) => rm(path.join(repository, lock), { force: true })));
      }
      if (kill % BATCH === 0) {
        corruptPerBatch.push(corruptInBatch);
        staleLocksPerBatch.push(staleLocksInBatch);
        progress(`${kill}/${KILLS} kills: ${problems.length} corrupt state file(s), ${staleLocks.length} stale git lock(s) so far`);
        corruptInBatch = 0;
        staleLocksInBatch = 0;
      }
    }

    const daemon = await Daemon.start(cleanup, machine);
    const recovered = await daemon.waitFor(deployed(lastSha, "switch"), 60_000, "the deployment after the last kill").then(
      () => true,
      () => false,
    );
    // When it did not recover, what the agent says about it is the finding.
    const finalStatus = recovered ? null : await daemon.status();
    const finalLog = recovered ? [] : daemon.lines.filter((line) => /"level":"(warn|error)"/.test(line)).slice(-10);
    await daemon.stop();
    return {
      figures: { corruptStates: summarise(corruptPerBatch), staleGitLocks: summarise(staleLocksPerBatch) },
      details: {
        kills: KILLS,
        corruptTotal: problems.length,
        problems,
        staleGitLocksTotal: staleLocks.length,
        staleGitLocks: staleLocks,
        movedAsideFiles: await movedAside(machine.stateDir),
        killPhases: phases,
        calibratedCycleMs: Math.round(cycleMs),
        recoveredAndDeployedLatest: recovered,
        ...(recovered ? {} : { finalStatus: { remotes: finalStatus?.remotes, generation: finalStatus?.generation, deployment: finalStatus?.deployment, pending: finalStatus?.pending }, finalWarnings: finalLog }),
      },
    };
  },
};
