/**
 * The real daemon: what each reboot policy does about a needed reboot (behaviour.md §8), read from
 * the event stream, the status and the metrics rather than from log lines.
 */
import test from "ava";
import { access } from "node:fs/promises";
import path from "node:path";
import { createMachine, Daemon, deployed, FleetRepo, localRemote, tempDir } from "../helpers/daemon.js";
import { EventLog } from "../helpers/events.js";
import { freePort } from "../helpers/temp.js";

const exists = (file: string) => access(file).then(() => true, () => false);

for (const policy of ["never", "notify"] as const) {
  test(`§8 policy ${policy}: a needed reboot is exposed (status, metric), ${policy === "never" ? "never announced" : "announced as reboot-required"}, and never acted on`, async (t) => {
    const dir = await tempDir(t);
    const fleet = await FleetRepo.create(path.join(dir, "fleet"));
    const marker = path.join(dir, "rebooted");
    const port = await freePort();
    const machine = await createMachine(dir, "web1", {
      remotes: [localRemote("origin", fleet.dir)],
      exporter: { listenAddress: "127.0.0.1", port },
      reboot: { policy, command: ["/usr/bin/touch", marker] },
    });
    await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "same kernel");
    const daemon = await Daemon.start(t, machine);
    const events = await EventLog.open(t, daemon.socket);

    const newKernel = await fleet.commit({ web1: machine.host({ variant: "v2", kernel: "kernel-2" }) }, "new kernel");
    const status = await daemon.waitFor((s) => deployed(newKernel, "switch")(s) && s.needToReboot, 60_000, "the need to reboot");
    // A whole fetch round after the deployment: whatever the agent does about the reboot, it has done.
    await events.waitFor("fetch-finished", (e) => e.at > (status.deployment?.endedAt ?? ""), 20_000, "a fetch round after the deployment");
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();

    t.regex(status.needToRebootReason ?? "", /kernel|initrd/);
    t.regex(metrics, /^comin_need_to_reboot 1$/m);
    const announced = events.ofType("reboot-required");
    if (policy === "never") t.deepEqual(announced, [], "policy never: nothing, not even the event");
    else t.is(announced.length, 1, "policy notify: one reboot-required event");
    if (policy === "notify") t.regex(announced[0]?.reason ?? "", /kernel|initrd/);
    t.is(status.lastReboot, null);
    t.deepEqual(events.ofType("reboot"), []);
    t.false(await exists(marker), "the reboot command never runs");
  });
}
