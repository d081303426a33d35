/**
 * Health checks across a fleet (behaviour.md §14): three machines, each with its own service on
 * 127.0.0.1:8080 inside its own network namespace (the same address on every machine, reachable
 * only from there). The new commit breaks the service of one machine only: that machine rolls
 * back to the previous system and quarantines the commit; the two others stay on the new commit.
 */
import { spawn } from "node:child_process";
import { realpath } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { deployed } from "../test/helpers/daemon.js";
import { httpHealth } from "../test/helpers/health.js";
import { labRemote, startMachines, waitForAll, type LabMachine } from "./fleet.js";
import type { NetworkLab, Teardown } from "./network-lab.js";
import { registerLabHooks, startScenario } from "./scenario.js";

registerLabHooks(test);

const SERVICE = fileURLToPath(new URL("./health-service.js", import.meta.url));

/** Starts the machine's service in its namespace; resolves once it listens. */
async function startService(t: Teardown, lab: NetworkLab, m: LabMachine, bad: string[]): Promise<void> {
  const [file, args] = lab.command(m.node, process.execPath, [SERVICE, m.machine.paths.currentSystem, "8080", ...bad]);
  const child = spawn(file, args, { stdio: ["ignore", "pipe", "inherit"] });
  t.teardown(() => {
    child.kill("SIGTERM");
  });
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the service of ${m.machine.hostname} exited (${code})`)));
    child.stdout?.once("data", () => resolve());
  });
}

test("one machine of three fails its http check: it alone rolls back and quarantines the commit", async (t) => {
  const { dir, lab, servers, fleet, publish } = await startScenario(t);
  const remotes = [labRemote("origin", servers[0]!)];
  const { machines, hosts } = await startMachines(t, lab, dir, ["web1", "web2", "web3"], remotes, { config: { health: httpHealth("http://127.0.0.1:8080/healthz") } });
  const [web1, web2, web3] = machines as [LabMachine, LabMachine, LabMachine];
  await startService(t, lab, web1, []);
  await startService(t, lab, web2, ["v2"]);
  await startService(t, lab, web3, []);

  const v1 = await fleet.commit(hosts("v1"), "v1");
  await publish();
  const first = await waitForAll(machines, deployed(v1, "switch"), "v1 everywhere");
  t.true(first.every((s) => s.deployment?.health.status === "passed"));

  const v2 = await fleet.commit(hosts("v2"), "v2 breaks web2's service");
  await publish();
  const [ok1, ok3] = await Promise.all([web1, web3].map((m) => m.daemon.waitFor(deployed(v2, "switch"), 60_000, "v2")));
  const rolled = await web2.daemon.waitFor((s) => s.deployment?.commit === v2 && s.deployment.status === "rolled-back", 60_000, "web2's rollback");

  t.is(ok1?.deployment?.health.status, "passed");
  t.deepEqual(ok3?.quarantine, []);
  t.like(rolled.deployment?.rollback, { trigger: "health", to: first[1]?.deployment?.outPath, status: "done" });
  t.deepEqual(rolled.deployment?.health.checks, [{ name: "web", ok: false, detail: "HTTP 500, expected 200" }]);
  t.deepEqual(rolled.quarantine.map((entry) => entry.commit), [v2]);
  t.is(await realpath(web2.machine.paths.currentSystem), first[1]?.deployment?.outPath ?? "");
  t.is(path.basename(await realpath(web1.machine.paths.currentSystem)), path.basename(ok1?.deployment?.outPath ?? ""));
});
