/** The scenarios' pure parts: how a cycle is cut into segments, kill phases, command names. */
import test from "ava";
import { nextPhase } from "../../../bench/scenarios/crash.js";
import { commandName } from "../../../bench/scenarios/evaluations.js";
import { agentCycle } from "../../../bench/scenarios/overhead.js";
import { parseLog } from "../../../bench/log-lines.js";

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
const line = (ms: number, msg: string, fields: Record<string, unknown> = {}) => JSON.stringify({ time: at(ms), level: "info", msg, ...fields });

test("an agent cycle runs from its fetch's start to the switch record, cut at its milestones", (t) => {
  const entries = parseLog([
    line(1100, "fetch-finished", { remote: "origin", ok: true, durationMs: 100 }),
    line(1150, "candidate-selected"),
    line(1160, "eval-started"),
    line(1300, "eval-finished"),
    line(1305, "build-started"),
    line(1500, "build-finished"),
    line(1502, "deployment-started"),
    line(1560, "profile set"),
  ]);

  const cycle = agentCycle(entries, Date.UTC(2026, 0, 1) + 1570);

  t.is(cycle.totalMs, 570);
  t.deepEqual(cycle.segments, {
    fetch: 100,
    "candidate-selected": 50,
    "eval-started": 10,
    "eval-finished": 140,
    "build-started": 5,
    "build-finished": 195,
    "deployment-started": 2,
    "profile set": 58,
    switch: 10,
  });
  t.throws(() => agentCycle([], 0), { message: /no fetch/ });
});

test("a kill is attributed to the stage the agent's log lines last named", (t) => {
  const messages = ["starting", "local API listening", "started", "candidate-selected", "eval-started", "nix eval", "build-started", "deployment-started", "deployment-finished", "fetch-finished"];

  const phases: string[] = [];
  let phase = "node start-up";
  for (const message of messages) phases.push((phase = nextPhase(phase, message)));

  t.deepEqual(phases, [
    "agent start-up",
    "agent start-up",
    "fetch and selection",
    "fetch and selection",
    "evaluation",
    "evaluation",
    "build",
    "deployment",
    "after the deployment",
    "fetch and selection",
  ]);
});

test("processes are named by program and what they do", (t) => {
  t.is(commandName({ program: "git", ppid: 1, args: ["fetch", "--quiet", "--", "origin"] }), "git fetch");
  t.is(commandName({ program: "nix", ppid: 1, args: ["--extra-experimental-features", "nix-command flakes", "eval", "--json"] }), "nix eval");
  t.is(commandName({ program: "nix-store", ppid: 1, args: ["--realise", "/nix/store/x.drv", "--add-root", "/r"] }), "nix-store --realise");
  t.is(commandName({ program: "nix-env", ppid: 1, args: ["--profile", "/p", "--set", "/nix/store/x"] }), "nix-env --profile");
});
