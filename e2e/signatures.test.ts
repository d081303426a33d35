/**
 * The signature gate across a fleet (behaviour.md §3, §4): with a trusted GPG key configured, an
 * unsigned head is refused before any evaluation; the signed one is deployed everywhere.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import test from "ava";
import { deployed, switchCalls } from "../test/helpers/daemon.js";
import { createGpgKey } from "../test/helpers/git.js";
import { labRemote, operations, startMachines, waitForAll } from "./fleet.js";
import { registerLabHooks, startScenario } from "./scenario.js";
import { signHead } from "./signing.js";

registerLabHooks(test);

test("an unsigned commit is never evaluated, a commit signed by the trusted key is deployed", async (t) => {
  const { dir, lab, servers, fleet, publish } = await startScenario(t);
  const key = await createGpgKey(t, dir, "Alice");
  const config = { signatures: { gpgPublicKeyFiles: [key.publicKeyFile] } };
  const remotes = [labRemote("origin", servers[0]!)];
  const { machines, hosts } = await startMachines(t, lab, dir, ["web1", "web2"], remotes, { config });

  const unsigned = await fleet.commit(hosts("unsigned"), "pushed without signing");
  await publish();
  const refused = await waitForAll(machines, (s) => s.remotes[0]?.main.commit === unsigned, "the unsigned head to be fetched and examined");

  for (const [i, m] of machines.entries()) {
    const status = refused[i];
    t.is(status?.remotes[0]?.main.error, `commit ${unsigned} is not signed by a trusted key`, m.machine.hostname);
    t.is(status?.candidate, null);
    t.is(status?.baseline, null, "an unsigned head never becomes the baseline");
    t.is(status?.generation, null, "an unsigned head is never evaluated");
    t.deepEqual(await operations(m), []);
  }

  await fleet.commit(hosts("signed"), "signed by Alice");
  const signed = await signHead(fleet.dir, key);
  await publish();
  const accepted = await waitForAll(machines, deployed(signed, "switch"), "the signed commit to deploy everywhere");

  for (const [i, m] of machines.entries()) {
    const status = accepted[i];
    t.true(status?.candidate?.signed, m.machine.hostname);
    t.is(status?.candidate?.signedBy, key.userId);
    t.is(status?.remotes[0]?.main.error, null);
    const [[operation, outPath] = ["", ""]] = await switchCalls(m.machine);
    t.is(operation, "switch");
    t.is(await readFile(path.join(outPath, "variant"), "utf8"), "signed", "the signed commit's system was activated");
  }
});
