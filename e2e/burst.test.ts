/**
 * A burst of 20 commits in 2 seconds on main: every machine ends on the last commit, and no
 * machine ever activates a commit older than one it already activated (behaviour.md §2, §3:
 * main only moves forward; a newer candidate preempts an older one). The objects reach the server
 * beforehand, so each commit of the burst is a ref update there and the burst really lasts 2
 * seconds, even on a loaded machine.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import test from "ava";
import { deployed, switchCalls } from "../test/helpers/daemon.js";
import { labRemote, startMachines, waitForAll } from "./fleet.js";
import { registerLabHooks, startScenario } from "./scenario.js";

registerLabHooks(test);

const BURST = 20;
const BURST_MS = 2_000;

test("after a burst of 20 commits every machine is on the last one, and activations only move forward", async (t) => {
  const { dir, lab, servers, fleet, publish } = await startScenario(t);
  const server = servers[0]!;
  const remotes = [labRemote("origin", server)];
  const { machines, hosts } = await startMachines(t, lab, dir, ["web1", "web2", "web3"], remotes);
  const base = await fleet.commit(hosts("commit-0"), "base");
  await publish();
  await waitForAll(machines, deployed(base, "switch"), "the base commit to deploy");

  const burst: string[] = [];
  for (let i = 1; i <= BURST; i += 1) burst.push(await fleet.commit(hosts(`commit-${i}`), `burst ${i}`, "burst"));
  const last = burst.at(-1) ?? base;
  await server.preload(fleet.dir, "burst");

  // Load generation, not synchronisation: main moves to the i-th commit at (about) (i - 1) × 100 ms.
  const started = Date.now();
  for (const [i, commit] of burst.entries()) {
    const due = started + (i * BURST_MS) / BURST;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    await server.moveBranch("main", commit);
  }
  // How long the test's own load generator took is not the product's behaviour: logged only.
  t.log(`the burst took ${Date.now() - started} ms`);

  const final = await waitForAll(machines, deployed(last, "switch"), "every machine to reach the last commit", 90_000);

  for (const [i, m] of machines.entries()) {
    t.is(final[i]?.baseline, last, m.machine.hostname);
    const calls = await switchCalls(m.machine);
    // Each system holds the variant it was built for: its position in the burst.
    const order = await Promise.all(calls.map(async ([, outPath]) => Number((await readFile(path.join(outPath, "variant"), "utf8")).replace("commit-", ""))));
    t.log(`${m.machine.hostname} activated commits ${order.join(", ")}`);
    t.is(order[0], 0);
    t.is(order.at(-1), BURST);
    t.true(
      order.slice(1).every((n, k) => n > (order[k] ?? Infinity)),
      `${m.machine.hostname} activated an older commit after a newer one: ${order.join(", ")}`,
    );
    t.true(calls.every(([operation]) => operation === "switch"));
  }
});
