/**
 * ONE nix evaluation per generation (behaviour.md §5): the derivation, its output path and the
 * pinned machine id come from a single `nix eval --json --apply`. (The established agent
 * evaluates twice.)
 */
import path from "node:path";
import type { CominConfig } from "../../dsl/schema.js";
import { StageError } from "../errors.js";
import { withCandidate } from "../git/candidate.js";
import { runStage } from "../process.js";
import { NIX_CLI_FLAGS } from "./command.js";
import { flakeSystemAttribute, flakeUrl as makeFlakeUrl } from "./flake-url.js";
import { withWorktree } from "./worktree.js";

export interface Evaluation {
  drvPath: string;
  outPath: string;
  /** `config.services.comin.machineId`, null when unset. */
  machineId: string | null;
  /** The flake reference evaluated (COMIN_FLAKE_URL); null for a non-flake repository. */
  flakeUrl: string | null;
}

export interface EvaluateArgs {
  /** The agent's bare repository. Its candidate branch and HEAD are pointed at `commit` first. */
  repoDir: string;
  commit: string;
  hostname: string;
  repository: CominConfig["repository"];
  timeoutSec: number;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
  /** Where the temporary worktree of a non-flake repository goes. */
  workDir: string;
}

/**
 * The system is `c.config.system.build.toplevel` (a flake's nixosConfigurations entry, or a
 * classic `import <nixpkgs/nixos>` result), else `c.toplevel`, else `c` itself when systemAttr
 * names the toplevel derivation. The result must not have a key named `outPath`: Nix would print
 * such an attribute set as that string.
 */
export const EVALUATION_APPLY = [
  "c: let",
  "  top = if c ? config.system.build.toplevel then c.config.system.build.toplevel",
  "    else if c ? toplevel then c.toplevel else c;",
  "in {",
  "  drv = top.drvPath;",
  "  out = top.outPath;",
  "  machineId = c.config.services.comin.machineId or null;",
  "}",
].join("\n");

/** Reads the `--apply` result (also `comin publish`'s, which evaluates the same expression). */
export function parseEvaluation(stdout: string, flakeUrl: string | null): Evaluation {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch (error) {
    throw new StageError("failed", `evaluation printed something that is not JSON: ${stdout.slice(0, 200)}`, { cause: error });
  }
  const { drv, out, machineId } = (data ?? {}) as Record<string, unknown>;
  if (typeof drv !== "string" || !drv.endsWith(".drv") || typeof out !== "string" || !out.startsWith("/")) {
    throw new StageError("failed", `the evaluated attribute is not a system derivation (got ${stdout.slice(0, 200)})`);
  }
  if (machineId !== null && machineId !== undefined && typeof machineId !== "string") {
    throw new StageError("failed", `services.comin.machineId must be a string or null, got ${JSON.stringify(machineId)}`);
  }
  return { drvPath: drv, outPath: out, machineId: machineId ?? null, flakeUrl };
}

/**
 * Evaluates `commit` once. The repository's candidate branch is pointed at it first and holds
 * still until the evaluation ends: an evaluation of the same repository started meanwhile waits.
 */
export async function evaluateGeneration(args: EvaluateArgs): Promise<Evaluation> {
  const { signal } = args;
  return withCandidate({ gitDir: args.repoDir, commit: args.commit, ...(signal ? { signal } : {}) }, (ref) => evaluateAt(args, ref));
}

async function evaluateAt(args: EvaluateArgs, ref: string): Promise<Evaluation> {
  const { repository, signal } = args;
  const onLine = args.onLine ? (line: string, stream: "stdout" | "stderr") => stream === "stderr" && args.onLine?.(line) : undefined;
  const common = { timeoutSec: args.timeoutSec, what: "evaluation", ...(signal ? { signal } : {}), ...(onLine ? { onLine } : {}) };

  if (repository.type === "flake") {
    const url = makeFlakeUrl({ repoDir: args.repoDir, commit: args.commit, ref, subdir: repository.subdir, submodules: repository.submodules });
    const installable = `${url}#${flakeSystemAttribute(args.hostname)}`;
    const { stdout } = await runStage("nix", [...NIX_CLI_FLAGS, "eval", "--json", installable, "--apply", EVALUATION_APPLY], common);
    return parseEvaluation(stdout, url);
  }

  const attribute = repository.systemAttr;
  if (attribute === null) throw new StageError("failed", 'repository.type "nix" needs repository.systemAttr');
  return withWorktree({ repoDir: args.repoDir, commit: args.commit, workDir: args.workDir, ...(signal ? { signal } : {}) }, async (dir) => {
    const file = path.join(dir, repository.subdir);
    const { stdout } = await runStage("nix", [...NIX_CLI_FLAGS, "eval", "--json", "--file", file, attribute, "--apply", EVALUATION_APPLY], common);
    return parseEvaluation(stdout, null);
  });
}
