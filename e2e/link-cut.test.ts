/**
 * A machine loses its network mid-poll (its cable, the veth end on the bridge, goes down): its
 * fetches fail and it says so, the others keep deploying, and it catches up once the cable is back.
 */
import test from "ava";
import { deployed } from "../test/helpers/daemon.js";
import { labRemote, operations, startMachines, waitForAll } from "./fleet.js";
import { registerLabHooks, startScenario } from "./scenario.js";

registerLabHooks(test);

test("a machine cut off mid-poll reports failed fetches while the others deploy, then catches up", async (t) => {
  const { dir, lab, servers, fleet, publish } = await startScenario(t);
  const remotes = [labRemote("origin", servers[0]!)];
  const { machines, hosts } = await startMachines(t, lab, dir, ["web1", "web2", "web3"], remotes);
  const [web1, web2, web3] = machines as [(typeof machines)[0], (typeof machines)[0], (typeof machines)[0]];
  const first = await fleet.commit(hosts("v1"), "first");
  await publish();
  await waitForAll(machines, deployed(first, "switch"), "the first commit to deploy");

  await web2.daemon.waitFor((s) => s.fetching, 20_000, "web2 to be in the middle of a fetch");
  await lab.setLink(web2.node, "down");
  const cutAt = Date.now();
  const second = await fleet.commit(hosts("v2"), "second, while web2 is cut off");
  await publish();
  await waitForAll([web1, web3], deployed(second, "switch"), "the connected machines to deploy");
  const cutOff = await web2.daemon.waitFor((s) => s.remotes[0]?.lastFetch?.ok === false && Date.parse(s.remotes[0].lastFetch.at) > cutAt, 30_000, "web2's fetch to fail");

  t.regex(cutOff.remotes[0]?.lastFetch?.error ?? "", /^git fetch origin (timed out after 4s|failed: fatal: unable to connect to )/, "the cut-off machine's fetch cannot reach the server (or times out at the remote's timeout)");
  t.is(cutOff.deployment?.commit, first, "web2 keeps what it runs");
  t.deepEqual(await operations(web2), ["switch"]);

  await lab.setLink(web2.node, "up");
  const caughtUp = await web2.daemon.waitFor(deployed(second, "switch"), 60_000, "web2 to catch up after the cable is back");

  t.true(caughtUp.remotes[0]?.lastFetch?.ok);
  t.is(caughtUp.baseline, second);
  for (const m of machines) t.deepEqual(await operations(m), ["switch", "switch"], m.machine.hostname);
});
