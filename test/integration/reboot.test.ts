/**
 * The real daemon: reboot detection and policy with windows (behaviour.md §8).
 */
import test from "ava";
import { access, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createMachine, Daemon, deployed, FleetRepo, localRemote, tempDir } from "../helpers/daemon.js";

const hhmm = (date: Date) => date.toISOString().slice(11, 16);
const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3600_000);
const exists = (file: string) => access(file).then(() => true, () => false);

test("a kernel change needs a reboot: outside the window the agent waits, inside it reboots once", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const marker = path.join(dir, "rebooted");
  const outside = { from: hhmm(hoursFromNow(2)), to: hhmm(hoursFromNow(3)), timeZone: "UTC" };
  const machine = await createMachine(dir, "web1", {
    remotes: [localRemote("origin", fleet.dir)],
    reboot: { policy: "when-needed", windows: [outside], command: ["/usr/bin/touch", marker] },
  });
  const newKernel = await fleet.commit({ web1: machine.host({ variant: "v2", kernel: "kernel-2" }) }, "new kernel");

  let daemon = await Daemon.start(t, machine);
  const waiting = await daemon.waitFor((s) => deployed(newKernel, "switch")(s) && s.needToReboot && (s.pending?.startsWith("a reboot in the window") ?? false), 60_000, "the need to reboot");
  const opens = new Date(waiting.pendingUntil ?? "");
  t.is(waiting.pending, `a reboot in the window mon,tue,wed,thu,fri,sat,sun ${outside.from}-${outside.to} UTC, opens ${opens.toLocaleString("en-GB", { timeZone: "UTC", weekday: "short", day: "numeric", month: "short" }).replace(",", "")} ${outside.from} UTC`, "which window, and when it opens on its clock (14.6)");
  t.is(opens.toISOString().slice(11, 16), outside.from);

  t.is(waiting.lastReboot, null);
  t.false(await exists(marker), "no reboot outside the window");
  await daemon.stop();

  const config = JSON.parse(await readFile(machine.configFile, "utf8"));
  config.reboot.windows = [{ from: hhmm(hoursFromNow(-1)), to: hhmm(hoursFromNow(1)), timeZone: "UTC" }];
  await writeFile(machine.configFile, JSON.stringify(config));
  daemon = await Daemon.start(t, machine);
  const rebooted = await daemon.waitFor((s) => s.lastReboot !== null, 30_000, "the reboot inside the window");
  for (const deadline = Date.now() + 10_000; !(await exists(marker)) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));

  t.true(await exists(marker), "the reboot command ran (it is recorded first, then run)");
  t.regex(rebooted.lastReboot?.reason ?? "", /kernel|initrd/);
  const list = (await daemon.call<{ kind: string }[]>("GET", "/v1/deployments")).body;
  t.true(list.some((entry) => entry.kind === "reboot"));
  const stateFile = path.join(machine.stateDir, "state.json");
  const attemptOk = async () => (JSON.parse(await readFile(stateFile, "utf8")) as { rebootAttempt: { ok: boolean } | null }).rebootAttempt?.ok === true;
  for (const deadline = Date.now() + 10_000; !(await attemptOk()) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
  t.true(await attemptOk(), "recorded, then run once for this pair of systems");
});

test("the need to reboot is detected at start-up, before any deployment", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", path.join(dir, "nothing-here"))] });
  // The booted system has kernel-1; make the current system one with another kernel.
  const { buildTestSystem } = await import("../../scripts/lib/test-system.js");
  const other = await buildTestSystem(machine.root, "other", { variant: "other", record: machine.record, kernel: "kernel-9" });
  const { rm, symlink } = await import("node:fs/promises");
  await rm(machine.paths.currentSystem);
  await symlink(other, machine.paths.currentSystem);
  void fleet;

  const daemon = await Daemon.start(t, machine);
  const status = await daemon.waitFor((s) => s.needToReboot, 20_000, "the start-up detection");

  t.regex(status.needToRebootReason ?? "", /kernel|initrd/);
});

for (const policy of ["always", "when-needed"] as const) {
  test(`policy ${policy}: a boot deployment into the running system ${policy === "always" ? "reboots" : "needs no reboot"}`, async (t) => {
    const dir = await tempDir(t);
    const fleet = await FleetRepo.create(path.join(dir, "fleet"));
    const marker = path.join(dir, "rebooted");
    const window = { from: hhmm(hoursFromNow(-1)), to: hhmm(hoursFromNow(1)), timeZone: "UTC" };
    const machine = await createMachine(dir, "web1", {
      remotes: [localRemote("origin", fleet.dir)],
      reboot: { policy, windows: [window], command: ["/usr/bin/touch", marker] },
    });
    const commit = await fleet.commit({ web1: machine.host({ variant: "same-kernel" }) }, "no kernel change");
    const daemon = await Daemon.start(t, machine);
    await daemon.waitFor(deployed(commit, "switch"), 60_000, "the switch");

    const submitted = await daemon.call<unknown>("POST", "/v1/deployments/submit-latest", { operation: "boot" });
    const status = await daemon.waitFor(deployed(commit, "boot"), 60_000, "the boot deployment of the running system");

    t.true(submitted.status < 300, JSON.stringify(submitted.body));
    if (policy === "always") {
      const rebooted = await daemon.waitFor((s) => s.lastReboot !== null, 30_000, "the reboot of policy always");
      t.regex(rebooted.lastReboot?.reason ?? "", /policy always/);
      for (const deadline = Date.now() + 10_000; !(await exists(marker)) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
      t.true(await exists(marker));
    } else {
      // A later fetch round: by then the reboot check that follows the deployment has run.
      const later = await daemon.waitFor((s) => (s.remotes[0]?.lastFetch?.at ?? "") > (status.deployment?.endedAt ?? ""), 30_000, "a fetch round after the deployment");
      t.false(later.needToReboot, "booting into the running system needs no reboot");
      t.is(status.lastReboot, null);
      t.false(await exists(marker));
    }
  });
}
