import { rm } from "node:fs/promises";
import path from "node:path";
import test from "ava";
import { detectNeedToReboot, kernelVersion } from "../../../runtime/reboot/detect.js";
import { buildTestSystem, createMachineRoot, type TestHost } from "../../../scripts/lib/test-system.js";
import { tempDir, type Teardown } from "../../helpers/nix.js";

/** A machine booted on `booted` and running `current` (test systems built by real Nix). */
async function machine(t: Teardown, booted: Partial<TestHost>, current: Partial<TestHost>) {
  const dir = await tempDir(t, "comin-reboot-");
  const record = path.join(dir, "record");
  const bootedSystem = await buildTestSystem(dir, "booted", { record, variant: "booted", ...booted });
  const currentSystem = await buildTestSystem(dir, "current", { record, variant: "current", ...current });
  const root = await createMachineRoot(path.join(dir, "root"), { system: currentSystem, bootedSystem });
  return { paths: root.paths, bootedSystem, currentSystem };
}

test("a new kernel in the running system needs a reboot", async (t) => {
  const m = await machine(t, { kernel: "linux-6.1" }, { kernel: "linux-6.6" });

  const detection = await detectNeedToReboot({ paths: m.paths, lastDeployment: { operation: "switch", outPath: m.currentSystem, status: "done" } });

  t.true(detection.needed);
  t.false(detection.unknown);
  t.regex(detection.reason ?? "", /^the running system's kernel, initrd differ from the booted system's \(kernel test-kernel → test-kernel; kernel: booted \/nix\/store\/\S+-test-kernel, running \/nix\/store\/\S+-test-kernel\)$/);
});

test("the reboot reason names kernel versions as NixOS stores them", (t) => {
  t.is(kernelVersion("/nix/store/0a1b2c3d4e5f6g7h8i9j0k1l2m3n4p5q-linux-6.6.1/bzImage"), "6.6.1");
  t.is(kernelVersion("/nix/store/0a1b2c3d4e5f6g7h8i9j0k1l2m3n4p5q-linux-6.1.55-rt/bzImage"), "6.1.55-rt");
  t.is(kernelVersion("/nix/store/0a1b2c3d4e5f6g7h8i9j0k1l2m3n4p5q-test-kernel"), "test-kernel");
  t.is(kernelVersion(null), "none");
});

test("another system with the same kernel needs no reboot", async (t) => {
  const m = await machine(t, { kernel: "linux-6.6" }, { kernel: "linux-6.6" });

  const detection = await detectNeedToReboot({ paths: m.paths, lastDeployment: { operation: "switch", outPath: m.currentSystem, status: "done" } });

  t.not(m.bootedSystem, m.currentSystem);
  t.deepEqual(detection, { needed: false, reason: null, unknown: false });
});

test("a pending boot deployment of another system needs a reboot", async (t) => {
  const m = await machine(t, { kernel: "linux-6.6" }, { kernel: "linux-6.6" });

  const detection = await detectNeedToReboot({ paths: m.paths, lastDeployment: { operation: "boot", outPath: m.bootedSystem, status: "done" } });

  t.true(detection.needed);
  t.is(detection.reason, `a boot deployment is pending: ${m.bootedSystem} is set to boot, ${m.currentSystem} is running`);
});

test("a boot deployment of the running system, or a failed one, needs nothing", async (t) => {
  const m = await machine(t, { kernel: "linux-6.6" }, { kernel: "linux-6.6" });

  const same = await detectNeedToReboot({ paths: m.paths, lastDeployment: { operation: "boot", outPath: m.currentSystem, status: "done" } });
  const failed = await detectNeedToReboot({ paths: m.paths, lastDeployment: { operation: "boot", outPath: m.bootedSystem, status: "failed" } });
  const none = await detectNeedToReboot({ paths: m.paths, lastDeployment: null });

  t.false(same.needed);
  t.false(failed.needed);
  t.false(none.needed);
});

test("a booted system without kernel links is unknown, counted as no reboot", async (t) => {
  const m = await machine(t, {}, { kernel: "linux-6.6" });

  const detection = await detectNeedToReboot({ paths: m.paths, lastDeployment: null });

  t.deepEqual(detection, { needed: false, reason: null, unknown: true });
});

test("missing current-system or booted-system links are unknown", async (t) => {
  const m = await machine(t, { kernel: "linux-6.6" }, { kernel: "linux-6.1" });
  await rm(m.paths.bootedSystem);

  const detection = await detectNeedToReboot({ paths: m.paths, lastDeployment: null });

  t.deepEqual(detection, { needed: false, reason: null, unknown: true });
});
