/**
 * `comin plan` against the real daemon (issue 14.7): what the agent would do now and why, the
 * candidate, its operation and evaluated system, what blocks it; asking changes nothing.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import test from "ava";
import { execa } from "execa";
import type { PlanJson } from "../../runtime/types.js";
import { CLI, createMachine, Daemon, deployed, FleetRepo, localRemote, switchCalls, tempDir, waitForState } from "../helpers/daemon.js";

function comin(args: string[]) {
  return execa(process.execPath, [CLI, ...args], { reject: false, stdin: "ignore" });
}

test("plan names the held candidate, its system and the suspension blocking it, without side effects", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir, { poll: { interval: 0 } })] });
  const first = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "first");
  const daemon = await Daemon.start(t, machine);
  await daemon.waitFor(deployed(first, "switch"), 60_000, "the first deployment");
  const socket = ["--socket", daemon.socket];
  const idle = JSON.parse((await comin(["plan", "--json", ...socket])).stdout) as PlanJson;
  t.is(idle.action, "idle");
  t.deepEqual(idle.blockers, []);

  await comin(["suspend", ...socket]);
  const second = await fleet.commit({ web1: machine.host({ variant: "v2" }) }, "second");
  await comin(["fetch", "--wait", ...socket]);
  await daemon.waitFor((s) => s.generation?.commit === second && s.generation.eval.status === "done", 60_000, "the evaluation while suspended");
  await waitForState<{ generations: { commit: string; eval: { status: string } }[] }>(machine, (state) => state.generations.some((g) => g.commit === second && g.eval.status === "done"), "the evaluation saved");
  await new Promise((resolve) => setTimeout(resolve, 300));
  const stateBefore = await readFile(path.join(machine.stateDir, "state.json"), "utf8");

  const json = await comin(["plan", "--json", ...socket]);
  const text = await comin(["plan", ...socket]);

  t.is(json.exitCode, 0, json.stderr);
  const plan = JSON.parse(json.stdout) as PlanJson;
  t.is(plan.action, "wait");
  t.is(plan.candidate?.commit, second);
  t.is(plan.operation, "switch");
  t.regex(plan.outPath ?? "", /^\/nix\/store\/.+-nixos-system-web1/);
  t.deepEqual(plan.blockers.map((blocker) => blocker.kind), ["suspended"]);
  t.regex(text.stdout, new RegExp(`^Candidate ${second.slice(0, 7)} from origin/main, signatures not checked$`, "m"));
  t.regex(text.stdout, /^Blockers\n {2}suspended: suspended: builds and deployments wait for `comin resume`$/m);
  t.is(await readFile(path.join(machine.stateDir, "state.json"), "utf8"), stateBefore, "asking for the plan changes no state");
  t.is((await switchCalls(machine)).length, 1, "and deploys nothing");

  await comin(["resume", ...socket]);
  await daemon.waitFor(deployed(second, "switch"), 60_000, "the deployment after resume");
  const done = await comin(["plan", ...socket]);
  t.regex(done.stdout, /^Next {6}nothing to do/m);
  t.regex(done.stdout, /^Blockers {2}none$/m);
});
