/**
 * Moving a hostname's configuration to new hardware (behaviour.md §6): two machines run the same
 * hostname's configuration; a pinned `services.comin.machineId` decides which one deploys it.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import test from "ava";
import { deployed } from "../test/helpers/daemon.js";
import { labRemote, operations, startMachine } from "./fleet.js";
import { registerLabHooks, startScenario } from "./scenario.js";

registerLabHooks(test);

const gcRoots = (stateDir: string) => readdir(path.join(stateDir, "gcroots")).catch(() => []);

test("a configuration pinned to one machine id deploys only there; re-pinning it migrates the hostname", async (t) => {
  const { dir, lab, servers, fleet, publish } = await startScenario(t);
  const remotes = [labRemote("origin", servers[0]!)];
  const [oldHw, newHw] = await Promise.all([
    startMachine(t, lab, dir, "db1", remotes, { role: "db1-old" }),
    startMachine(t, lab, dir, "db1", remotes, { role: "db1-new" }),
  ]);
  const oldId = oldHw.machine.machineId;
  const newId = newHw.machine.machineId;

  const onOld = await fleet.commit({ db1: oldHw.machine.host({ variant: "on-old", machineId: oldId }) }, "db1 runs on the old hardware");
  await publish();
  await oldHw.daemon.waitFor(deployed(onOld, "switch"), 60_000, "the old hardware to deploy its pinned configuration");
  const refusedOnNew = await newHw.daemon.waitFor((s) => s.generation?.commit === onOld && s.generation.build.status === "skipped", 60_000, "the new hardware to stop after evaluation");

  t.is(refusedOnNew.generation?.build.error, `machineId ${oldId} does not match this machine (${newId})`);
  t.is(refusedOnNew.deployment, null);
  t.deepEqual(await operations(newHw), []);
  t.deepEqual(await gcRoots(newHw.machine.stateDir), [], "nothing was built on the new hardware");

  const onNew = await fleet.commit({ db1: newHw.machine.host({ variant: "on-new", machineId: newId }) }, "migrate db1 to the new hardware");
  await publish();
  await newHw.daemon.waitFor(deployed(onNew, "switch"), 60_000, "the new hardware to deploy after the migration");
  const refusedOnOld = await oldHw.daemon.waitFor((s) => s.generation?.commit === onNew && s.generation.build.status === "skipped", 60_000, "the old hardware to stop after evaluation");

  t.is(refusedOnOld.generation?.build.error, `machineId ${newId} does not match this machine (${oldId})`);
  t.is(refusedOnOld.deployment?.commit, onOld, "the old hardware keeps what it runs");
  t.deepEqual(await operations(oldHw), ["switch"]);
  t.deepEqual(await operations(newHw), ["switch"]);
});
