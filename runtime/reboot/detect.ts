/**
 * Does the machine need a reboot (behaviour.md §8)? Yes after a `boot` deployment of another
 * system than the running one, or when the running system's kernel, initrd or kernel modules are
 * not the booted system's. Detection only: the policy decides what to do about it.
 */
import path from "node:path";
import type { CominConfig } from "../../dsl/schema.js";
import type { Operation } from "../types.js";
import { realpathOrNull } from "../system/fs.js";

export interface RebootDetection {
  needed: boolean;
  reason: string | null;
  /** The booted (or running) system has no kernel links to compare: counted as "not needed". */
  unknown: boolean;
}

const BOOT_FILES = ["kernel", "initrd", "kernel-modules"] as const;

export async function detectNeedToReboot(args: {
  paths: CominConfig["paths"];
  lastDeployment: { operation: Operation | null; outPath: string | null; status: string } | null;
}): Promise<RebootDetection> {
  const { paths, lastDeployment } = args;
  const current = await realpathOrNull(paths.currentSystem);
  if (lastDeployment?.status === "done" && lastDeployment.operation === "boot" && lastDeployment.outPath) {
    const next = (await realpathOrNull(lastDeployment.outPath)) ?? lastDeployment.outPath;
    if (next !== current) {
      return { needed: true, reason: `a boot deployment is pending: ${next} is set to boot, ${current ?? "an unknown system"} is running`, unknown: false };
    }
  }
  const booted = await realpathOrNull(paths.bootedSystem);
  if (current === null || booted === null) return { needed: false, reason: null, unknown: true };
  const links = await Promise.all(
    BOOT_FILES.map(async (name) => ({ name, booted: await realpathOrNull(path.join(booted, name)), current: await realpathOrNull(path.join(current, name)) })),
  );
  if (links.every((link) => link.booted === null)) return { needed: false, reason: null, unknown: true };
  const changed = links.filter((link) => link.booted !== link.current);
  if (changed.length === 0) return { needed: false, reason: null, unknown: false };
  const what = changed.map((link) => link.name).join(", ");
  const first = changed[0];
  const kernel = links.find((link) => link.name === "kernel");
  const versions = kernel && kernel.booted !== kernel.current ? `kernel ${kernelVersion(kernel.booted)} → ${kernelVersion(kernel.current)}; ` : "";
  return {
    needed: true,
    reason: `the running system's ${what} differ from the booted system's (${versions}${first?.name}: booted ${first?.booted ?? "none"}, running ${first?.current ?? "none"})`,
    unknown: false,
  };
}

/**
 * The kernel's version as people name it, from the store path its link points to: NixOS links
 * `kernel` to `/nix/store/<hash>-linux-6.6.1/bzImage` → "6.6.1"; another name is shown whole.
 */
export function kernelVersion(target: string | null): string {
  if (target === null) return "none";
  const name = /^\/nix\/store\/[0-9a-z]{32}-([^/]+)/.exec(target)?.[1];
  if (!name) return path.basename(target);
  return /^linux-(\d[^/]*)$/.exec(name)?.[1] ?? name;
}
