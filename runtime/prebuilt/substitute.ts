/**
 * "Building" a prebuilt system is substituting it (behaviour.md §15): `nix-store --realise
 * <outPath>` with a GC root, from the configured substituters only, accepting only paths signed by
 * the configured keys (`require-sigs`). An unsigned or wrongly signed path is refused by Nix and the
 * stage fails with Nix's reason; a path that no substituter has is never built here (there is no
 * derivation to build: only the output path is asked for).
 */
import { mkdir, readlink } from "node:fs/promises";
import path from "node:path";
import type { PrebuiltConfig } from "../../dsl/schema.js";
import { StageError } from "../errors.js";
import { runStage } from "../process.js";

/**
 * Nix options of a substitution. `narinfo-cache-negative-ttl = 0`: Nix otherwise remembers for an
 * hour that a cache lacked a path, and a system published a minute later would not be seen.
 */
export function substitutionOptions(prebuilt: NonNullable<PrebuiltConfig>): string[] {
  const options: [string, string][] = [
    ["substituters", prebuilt.substituters.join(" ")],
    ["extra-substituters", ""],
    ["trusted-public-keys", prebuilt.trustedPublicKeys.join(" ")],
    ["extra-trusted-public-keys", ""],
    ["require-sigs", "true"],
    ["substitute", "true"],
    ["builders", ""],
    ["narinfo-cache-negative-ttl", "0"],
  ];
  return options.flatMap(([name, value]) => ["--option", name, value]);
}

export async function substituteSystem(args: {
  outPath: string;
  gcRoot: string;
  prebuilt: NonNullable<PrebuiltConfig>;
  timeoutSec: number;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}): Promise<string> {
  const gcRoot = path.resolve(args.gcRoot);
  await mkdir(path.dirname(gcRoot), { recursive: true });
  try {
    await runStage("nix-store", ["--realise", args.outPath, "--add-root", gcRoot, ...substitutionOptions(args.prebuilt)], {
      timeoutSec: args.timeoutSec,
      what: "substitution",
      ...(args.signal ? { signal: args.signal } : {}),
      ...(args.onLine ? { onLine: (line: string) => args.onLine?.(line) } : {}),
    });
  } catch (error) {
    if (error instanceof StageError && error.kind === "failed") {
      throw new StageError("failed", `cannot substitute the prebuilt system ${args.outPath} from ${args.prebuilt.substituters.join(", ")}: ${error.message}`, { cause: error });
    }
    throw error;
  }
  const target = path.resolve(path.dirname(gcRoot), await readlink(gcRoot));
  if (target !== args.outPath) throw new StageError("failed", `the GC root ${gcRoot} points at ${target}, not ${args.outPath}`);
  return target;
}
