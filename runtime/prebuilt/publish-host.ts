/**
 * `comin publish`, one host (behaviour.md §15): evaluate the agent's own expression once (drvPath,
 * outPath, machineId), build with a GC root, sign the closure, copy it to the binary cache. Only
 * commands that Nix 2.8 and current Nix both have: `nix eval --apply`, `nix-store --realise`,
 * `nix store sign --recursive` (2.8 still accepts the older `nix sign-paths` as a deprecated
 * alias; `store sign` exists in both), `nix copy --to`.
 */
import path from "node:path";
import type { CominConfig } from "../../dsl/schema.js";
import { StageError } from "../errors.js";
import { realiseGeneration } from "../nix/build.js";
import { NIX_CLI_FLAGS } from "../nix/command.js";
import { EVALUATION_APPLY, parseEvaluation, type Evaluation } from "../nix/evaluate.js";
import { checkoutFlakeUrl, flakeSystemAttribute } from "../nix/flake-url.js";
import { withWorktree } from "../nix/worktree.js";
import { runStage } from "../process.js";
import type { ManifestHost } from "./manifest.js";

export type PublishStep = "evaluate" | "build" | "sign" | "copy";

export interface PublishHostArgs {
  /** The CI's checkout of the fleet repository (not bare). */
  repoDir: string;
  commit: string;
  hostname: string;
  config: CominConfig;
  /** `nix copy --to` destination. */
  to: string;
  signKeyFile: string | null;
  /** Where GC roots and temporary checkouts go while publishing. */
  workDir: string;
  onStep: (step: PublishStep) => void;
  onLine?: (line: string) => void;
}

export class PublishStepError extends Error {
  override readonly name = "PublishStepError";
  constructor(
    readonly step: PublishStep,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

async function step<T>(name: PublishStep, args: PublishHostArgs, run: () => Promise<T>): Promise<T> {
  args.onStep(name);
  try {
    return await run();
  } catch (error) {
    throw new PublishStepError(name, error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** Evaluates, builds, signs and copies one host; returns its manifest entry. */
export async function publishHost(args: PublishHostArgs): Promise<ManifestHost> {
  const evaluation = await step("evaluate", args, () => evaluateCheckout(args));
  const gcRoot = path.join(args.workDir, "gcroots", args.hostname);
  const outPath = await step("build", args, () => realiseGeneration({ drvPath: evaluation.drvPath, gcRoot, timeoutSec: args.config.timeouts.build, ...(args.onLine ? { onLine: args.onLine } : {}) }));
  if (outPath !== evaluation.outPath) throw new PublishStepError("build", `the build gave ${outPath}, the evaluation ${evaluation.outPath}`);
  const signKeyFile = args.signKeyFile;
  if (signKeyFile !== null) {
    await step("sign", args, () => nix(["store", "sign", "--key-file", signKeyFile, "--recursive", outPath], "nix store sign", args));
  }
  await step("copy", args, () => nix(["copy", "--to", args.to, outPath], "nix copy", args));
  return { outPath, drvPath: evaluation.drvPath, machineId: evaluation.machineId };
}

/** Quick store commands and copies get the build timeout: a copy of a large closure takes long too. */
async function nix(args: string[], what: string, publish: PublishHostArgs): Promise<void> {
  await runStage("nix", [...NIX_CLI_FLAGS, ...args], { timeoutSec: publish.config.timeouts.build, what, ...(publish.onLine ? { onLine: (line: string) => publish.onLine?.(line) } : {}) });
}

/** The same expression as the agent's evaluation (../nix/evaluate.ts), on the CI's checkout. */
async function evaluateCheckout(args: PublishHostArgs): Promise<Evaluation> {
  const { repository } = args.config;
  const common = { timeoutSec: args.config.timeouts.eval, what: "evaluation", ...(args.onLine ? { onLine: (line: string, stream: "stdout" | "stderr") => stream === "stderr" && args.onLine?.(line) } : {}) };
  if (repository.type === "flake") {
    const url = checkoutFlakeUrl({ dir: path.resolve(args.repoDir), commit: args.commit, subdir: repository.subdir, submodules: repository.submodules });
    const { stdout } = await runStage("nix", [...NIX_CLI_FLAGS, "eval", "--json", `${url}#${flakeSystemAttribute(args.hostname)}`, "--apply", EVALUATION_APPLY], common);
    return parseEvaluation(stdout, url);
  }
  const attribute = repository.systemAttr;
  if (attribute === null) throw new StageError("failed", 'repository.type "nix" needs repository.systemAttr');
  return withWorktree({ repoDir: args.repoDir, commit: args.commit, workDir: path.join(args.workDir, "checkouts") }, async (dir) => {
    const { stdout } = await runStage("nix", [...NIX_CLI_FLAGS, "eval", "--json", "--file", path.join(dir, repository.subdir), attribute, "--apply", EVALUATION_APPLY], common);
    return parseEvaluation(stdout, null);
  });
}
