/**
 * The real daemon after an activation that really failed: what the post-deployment command is
 * told (behaviour.md §7.6), and `submit-latest` once the retries are spent (§10).
 */
import test from "ava";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createMachine, Daemon, FleetRepo, localRemote, switchCalls, tempDir } from "../helpers/daemon.js";
import { writeExecutable } from "../helpers/temp.js";

const readEnv = async (file: string) =>
  Object.fromEntries((await readFile(file, "utf8")).trim().split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));

test("§7.6 after a failed activation the post-deployment command gets COMIN_STATUS=failed and the error in COMIN_ERROR_MSG", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const envDump = path.join(dir, "post-deploy.env");
  const hook = path.join(dir, "post-deploy");
  await writeExecutable(hook, `#!/bin/sh\nenv | grep '^COMIN_' | sort > '${envDump}.tmp'\nmv '${envDump}.tmp' '${envDump}'\n`);
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], postDeploymentCommand: hook, retries: { attempts: 1 } });
  const commit = await fleet.commit({ web1: machine.host({ variant: "broken", switchFails: true }) }, "activation fails");

  const daemon = await Daemon.start(t, machine);
  const failed = await daemon.waitFor((s) => s.deployment?.commit === commit && s.deployment.status === "failed", 60_000, "the failed deployment");
  for (const deadline = Date.now() + 10_000; !(await readFile(envDump, "utf8").then(() => true, () => false)) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
  const env = await readEnv(envDump);

  t.is(env.COMIN_STATUS, "failed");
  t.is(env.COMIN_ERROR_MSG, failed.deployment?.error ?? "(no error recorded)");
  t.regex(env.COMIN_ERROR_MSG ?? "", /switch-to-configuration/);
  t.is(env.COMIN_GIT_SHA, commit);
  t.is(env.COMIN_OPERATION, "switch");
  t.is(env.COMIN_GENERATION, failed.generation?.id);
});

test("§10 after the last attempt the generation is left alone until `submit-latest`, which deploys it again", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], retries: { attempts: 2, backoff: 1, maxBackoff: 1 } });
  const commit = await fleet.commit({ web1: machine.host({ variant: "broken", switchFails: true }) }, "activation fails");
  const daemon = await Daemon.start(t, machine);
  const gaveUp = await daemon.waitFor((s) => s.generation?.commit === commit && /^gave up after 2 attempts/.test(s.pending ?? ""), 60_000, "the generation to be given up");
  const rounds = await daemon.call<unknown>("POST", "/v1/fetch", { wait: true });
  t.is(rounds.status, 200);
  t.is((await switchCalls(machine)).length, 2, "left alone after the last attempt, fetch rounds or not");

  const submitted = await daemon.call<{ deployment: { id: string; status: string; operation: string } | null }>("POST", "/v1/deployments/submit-latest", {});

  t.is(submitted.status, 200, JSON.stringify(submitted.body));
  t.like(submitted.body.deployment, { status: "failed", operation: "switch" });
  t.not(submitted.body.deployment?.id, gaveUp.deployment?.id, "a new deployment");
  t.is((await switchCalls(machine)).length, 3, "activated once more");
});
