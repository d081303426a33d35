/**
 * The agent's Nix profile (default `/nix/var/nix/profiles/system-profiles/comin`, which
 * bootloaders list). Only its own `<name>-<N>-link` generations are ever removed: never the one
 * the machine booted, never any other file of the directory (the established agent deletes every
 * other profile there).
 */
import { lstat, mkdir, readdir, readlink, rm } from "node:fs/promises";
import path from "node:path";
import { runStage } from "../process.js";
import { realpathOrNull } from "../system/fs.js";

const NIX_ENV_TIMEOUT_SEC = 120;

/** nix-env --profile <profile> --set <outPath>; returns the generation link, `<profile>-<N>-link`. */
export async function setProfile(profile: string, outPath: string): Promise<string> {
  await mkdir(path.dirname(profile), { recursive: true });
  await runStage("nix-env", ["--profile", profile, "--set", outPath], { timeoutSec: NIX_ENV_TIMEOUT_SEC, what: "nix-env --set" });
  return path.resolve(path.dirname(profile), await readlink(profile));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Removes the profile's generation links that are not in `keep`. Kept as well: the generation the
 * profile points to, and any generation whose system is the booted one. Returns the removed links.
 */
export async function pruneProfileLinks(profile: string, keep: readonly string[], bootedSystem: string): Promise<string[]> {
  const dir = path.dirname(profile);
  const pattern = new RegExp(`^${escapeRegExp(path.basename(profile))}-\\d+-link$`);
  const kept = new Set(keep.map((link) => path.resolve(link)));
  const active = await readlink(profile).catch(() => null);
  if (active !== null) kept.add(path.resolve(dir, active));
  const booted = await realpathOrNull(bootedSystem);
  const removed: string[] = [];
  for (const entry of await readdir(dir)) {
    const link = path.join(dir, entry);
    if (!pattern.test(entry) || kept.has(link)) continue;
    // Profile generations are symlinks; anything else with that name is not ours.
    if (!(await lstat(link)).isSymbolicLink()) continue;
    if (booted !== null && (await realpathOrNull(link)) === booted) continue;
    await rm(link, { force: true });
    removed.push(link);
  }
  return removed;
}
