/**
 * Branch semantics across a fleet (behaviour.md §3, §7): three machines, each in its own network
 * namespace, fetching one git server over the lab network.
 */
import test from "ava";
import { deployed, git } from "../test/helpers/daemon.js";
import { labRemote, operations, startMachines, waitForAll } from "./fleet.js";
import { registerLabHooks, startScenario, waitForRoundAfter } from "./scenario.js";

registerLabHooks(test);

test("main switches every machine, testing-<host> tests only that one, a testing reset returns to main, a force-push is refused everywhere", async (t) => {
  const { dir, lab, servers, fleet, publish } = await startScenario(t);
  const remotes = [labRemote("origin", servers[0]!)];
  const { machines, hosts } = await startMachines(t, lab, dir, ["web1", "web2", "web3"], remotes);
  const [web1, web2, web3] = machines as [(typeof machines)[0], (typeof machines)[0], (typeof machines)[0]];

  const first = await fleet.commit(hosts("v1"), "first");
  await publish();
  const onMain = await waitForAll(machines, deployed(first, "switch"), "main to deploy everywhere");

  for (const [i, m] of machines.entries()) {
    t.is(onMain[i]?.baseline, first, m.machine.hostname);
    t.deepEqual(await operations(m), ["switch"], m.machine.hostname);
  }

  const trial = await fleet.commit({ ...hosts("v1"), web2: web2.machine.host({ variant: "trial" }) }, "try on web2", "testing-web2");
  const trialPublished = Date.now();
  await publish();
  const onTrial = await web2.daemon.waitFor(deployed(trial, "test"), 60_000, "web2 to test its testing branch");

  t.true(onTrial.candidate?.isTesting);
  t.is(onTrial.baseline, first, "a testing commit never moves the baseline");
  t.deepEqual(await operations(web2), ["switch", "test"]);
  for (const other of [web1, web3]) {
    const status = await waitForRoundAfter(other.daemon, trialPublished);
    t.is(status.candidate?.commit, first, `${other.machine.hostname} ignores another host's testing branch`);
    t.is(status.deployment?.commit, first);
    t.deepEqual(await operations(other), ["switch"]);
  }

  await fleet.setBranch("testing-web2", first);
  await publish();
  const back = await web2.daemon.waitFor(
    (s) => deployed(first, "switch")(s) && s.candidate?.isTesting === false && s.deployment?.id !== onMain[1]?.deployment?.id,
    60_000,
    "web2 to return to main after its testing reset",
  );

  t.is(back.candidate?.branch, "main");
  t.deepEqual(await operations(web2), ["switch", "test", "switch"]);

  const rewritten = await git(fleet.dir, ["commit-tree", `${first}^{tree}`, "-m", "rewritten history"]);
  await fleet.setBranch("main", rewritten);
  await publish();
  const refused = await waitForAll(machines, (s) => s.remotes[0]?.main.commit === rewritten && s.remotes[0].main.error !== null, "the force-push to be seen");

  for (const [i, m] of machines.entries()) {
    const status = refused[i];
    t.is(status?.remotes[0]?.main.error, `main was reset: ${rewritten} is not on top of ${first}`, m.machine.hostname);
    t.is(status?.baseline, first);
    t.is(status?.deployment?.commit, first);
  }
  t.deepEqual(await operations(web1), ["switch"]);
  t.deepEqual(await operations(web2), ["switch", "test", "switch"]);
  t.deepEqual(await operations(web3), ["switch"]);
});
