/**
 * Several remotes (behaviour.md §3): two git servers, each in its own namespace. When the first
 * one stops, the fleet keeps deploying from the second.
 */
import test from "ava";
import { deployed } from "../test/helpers/daemon.js";
import { labRemote, operations, startMachines, waitForAll } from "./fleet.js";
import { registerLabHooks, startScenario } from "./scenario.js";

registerLabHooks(test);

test("with the first git server stopped, deployments continue from the second", async (t) => {
  const { dir, lab, servers, fleet, publish } = await startScenario(t, 2);
  const [primary, secondary] = servers as [(typeof servers)[0], (typeof servers)[0]];
  const remotes = [labRemote("primary", primary), labRemote("secondary", secondary)];
  const { machines, hosts } = await startMachines(t, lab, dir, ["web1", "web2"], remotes);

  const first = await fleet.commit(hosts("v1"), "first");
  await publish();
  const fromPrimary = await waitForAll(machines, deployed(first, "switch"), "the first commit to deploy");

  for (const status of fromPrimary) t.is(status.candidate?.remote, "primary", "the first remote has priority");

  await primary.stop();
  const second = await fleet.commit(hosts("v2"), "second, while the primary is down");
  await publish();
  const fromSecondary = await waitForAll(machines, deployed(second, "switch"), "the second commit to deploy from the secondary");

  for (const [i, m] of machines.entries()) {
    const status = fromSecondary[i];
    t.is(status?.candidate?.remote, "secondary", m.machine.hostname);
    t.false(status?.remotes[0]?.lastFetch?.ok, "the primary's fetch failed");
    t.regex(status?.remotes[0]?.lastFetch?.error ?? "", /^git fetch primary failed: .*(Connection refused|unable to connect)/i, "the stopped server's refusal, on that remote only");
    t.true(status?.remotes[1]?.lastFetch?.ok);
    t.is(status?.baseline, second);
    t.deepEqual(await operations(m), ["switch", "switch"]);
  }
});
