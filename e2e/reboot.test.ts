/**
 * Reboots across a fleet (behaviour.md §8): policy `when-needed` with a window around now (UTC).
 * The machine whose kernel changed runs the configured reboot command (it appends to a marker); the
 * one whose kernel did not change does not.
 */
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import test from "ava";
import { deployed } from "../test/helpers/daemon.js";
import { waitFor } from "../test/helpers/git.js";
import { writeExecutable } from "../test/helpers/temp.js";
import { labRemote, startMachine } from "./fleet.js";
import { registerLabHooks, startScenario, waitForRoundAfter } from "./scenario.js";

registerLabHooks(test);

const hhmm = (date: Date) => date.toISOString().slice(11, 16);
const exists = (file: string) => access(file).then(() => true, () => false);
/** The agent re-checks reboot windows against the wall clock at least this often (§8). */
const WINDOW_RECHECK_MS = 10_000;

test("inside the window, only the machine whose kernel changed reboots, once", async (t) => {
  const { dir, lab, servers, fleet, publish } = await startScenario(t);
  const now = Date.now();
  const window = { from: hhmm(new Date(now - 3600_000)), to: hhmm(new Date(now + 3600_000)), timeZone: "UTC" };
  const remotes = [labRemote("origin", servers[0]!)];
  const marker = (hostname: string) => path.join(dir, `rebooted-${hostname}`);
  // Each run appends a line: a second reboot would show.
  const rebootCommand = path.join(dir, "reboot-command");
  await writeExecutable(rebootCommand, '#!/bin/sh\necho rebooted >> "$1"\n');
  const machines = await Promise.all(
    ["kernel-bump", "same-kernel"].map((hostname) =>
      startMachine(t, lab, dir, hostname, remotes, { config: { reboot: { policy: "when-needed", windows: [window], command: [rebootCommand, marker(hostname)] } } }),
    ),
  );
  const [bumped, same] = machines as [(typeof machines)[0], (typeof machines)[0]];

  const commit = await fleet.commit(
    { "kernel-bump": bumped.machine.host({ variant: "v2", kernel: "kernel-2" }), "same-kernel": same.machine.host({ variant: "v2" }) },
    "new kernel for one machine",
  );
  await publish();
  const rebooted = await bumped.daemon.waitFor((s) => deployed(commit, "switch")(s) && s.lastReboot !== null, 60_000, "the reboot inside the window");
  const stayedUp = await same.daemon.waitFor(deployed(commit, "switch"), 60_000, "the deployment on the other machine");
  // The reboot is recorded first, then the command runs (§8).
  await waitFor(() => exists(marker("kernel-bump")), { message: "the reboot command never wrote its marker" });

  t.true(rebooted.needToReboot);
  t.regex(rebooted.lastReboot?.reason ?? "", /kernel|initrd/);
  t.false(stayedUp.needToReboot);
  t.is(stayedUp.lastReboot, null);

  // Rounds that start after the 10 s window re-check that follows the reboot (§8), so a second
  // reboot would have happened by then: the command ran once for this pair of systems, and never on
  // the other machine.
  const recheckedAt = Date.parse(rebooted.lastReboot?.at ?? "") + WINDOW_RECHECK_MS + 500;
  await Promise.all([waitForRoundAfter(bumped.daemon, recheckedAt), waitForRoundAfter(same.daemon, recheckedAt)]);
  const reboots = (await bumped.daemon.deployments()).filter((entry) => entry.kind === "reboot");
  t.is(reboots.length, 1);
  t.deepEqual((await readFile(marker("kernel-bump"), "utf8")).split("\n").filter(Boolean), ["rebooted"], "the command ran once");
  t.false(await exists(marker("same-kernel")));
});
