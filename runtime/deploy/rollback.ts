/**
 * A rollback's effects on the machine (behaviour.md §14): the profile points at the system to
 * return to again and the generation of the bad deployment is removed (so no boot entry defaults
 * to it), then `<to>/bin/switch-to-configuration <operation>`. `test` never touches the profile.
 * Every step is idempotent: a restart in the middle runs the whole rollback again.
 */
import { readdir, readlink, rm } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../log.js";
import { runStage } from "../process.js";
import type { Operation } from "../types.js";
import { realpathOrNull } from "../system/fs.js";

const NIX_ENV_TIMEOUT_SEC = 120;

export interface RollbackArgs {
  to: string;
  operation: Operation;
  profile: string;
  badProfileLink: string | null;
  timeoutSec: number;
  onLine?: (line: string) => void;
  log: Logger;
}

export async function rollback(args: RollbackArgs): Promise<void> {
  if (args.operation !== "test") await restoreProfile(args.profile, args.to, args.badProfileLink, args.log);
  await runStage(path.join(args.to, "bin", "switch-to-configuration"), [args.operation], {
    timeoutSec: args.timeoutSec,
    what: `rollback: switch-to-configuration ${args.operation}`,
    ...(args.onLine ? { onLine: (line: string) => args.onLine?.(line) } : {}),
  });
}

/** The generation links of `profile` (`<name>-<N>-link`) with their numbers, newest first. */
async function generations(profile: string): Promise<{ link: string; number: number }[]> {
  const dir = path.dirname(profile);
  const prefix = `${path.basename(profile)}-`;
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries
    .filter((entry) => entry.startsWith(prefix) && /^\d+-link$/.test(entry.slice(prefix.length)))
    .map((entry) => ({ link: path.join(dir, entry), number: Number.parseInt(entry.slice(prefix.length), 10) }))
    .sort((a, b) => b.number - a.number);
}

/** The profile's current generation is `to` again (an older generation when there is one), the bad one gone. */
export async function restoreProfile(profile: string, to: string, badProfileLink: string | null, log: Logger): Promise<void> {
  const target = (await realpathOrNull(to)) ?? to;
  const bad = badProfileLink ? path.resolve(badProfileLink) : null;
  if ((await realpathOrNull(profile)) !== target) {
    let earlier: number | null = null;
    for (const generation of await generations(profile)) {
      if (generation.link !== bad && (await realpathOrNull(generation.link)) === target) {
        earlier = generation.number;
        break;
      }
    }
    const args = earlier !== null ? ["--profile", profile, "--switch-generation", String(earlier)] : ["--profile", profile, "--set", to];
    await runStage("nix-env", args, { timeoutSec: NIX_ENV_TIMEOUT_SEC, what: "rollback: nix-env" });
    log.info("rollback: profile restored", { profile, generation: path.basename(path.resolve(path.dirname(profile), await readlink(profile))) });
  }
  if (bad) {
    const current = path.resolve(path.dirname(profile), await readlink(profile).catch(() => ""));
    if (current !== bad) {
      await rm(bad, { force: true });
      log.info("rollback: bad profile generation removed", { link: path.basename(bad) });
    }
  }
}
