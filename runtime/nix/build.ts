/**
 * Building a generation and keeping it alive: `nix-store --realise` works on every Nix version
 * (`nix build <drv>^*` needs Nix ≥ 2.13), and `--add-root` registers a real, indirect GC root
 * (a plain symlink is not one: the collector would delete the system).
 */
import { mkdir, readlink } from "node:fs/promises";
import path from "node:path";
import { StageError } from "../errors.js";
import { runStage } from "../process.js";

/** Quick store queries; a minute is far more than they ever take. */
const QUERY_TIMEOUT_SEC = 60;

/** With --add-root, nix-store prints the root's path, not the output: follow the link. */
async function outputOf(stdout: string, gcRoot: string): Promise<string> {
  const printed = stdout.split("\n").find((line) => line.trim() !== "")?.trim() ?? gcRoot;
  try {
    return path.resolve(path.dirname(printed), await readlink(printed));
  } catch (error) {
    throw new StageError("failed", `nix-store did not create the GC root ${printed}`, { cause: error });
  }
}

/** nix-store --realise <drv> --add-root <gcRoot>, streaming nix's log lines. Returns the output path. */
export async function realiseGeneration(args: {
  drvPath: string;
  gcRoot: string;
  timeoutSec: number;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}): Promise<string> {
  const gcRoot = path.resolve(args.gcRoot);
  await mkdir(path.dirname(gcRoot), { recursive: true });
  const { stdout } = await runStage("nix-store", ["--realise", args.drvPath, "--add-root", gcRoot], {
    timeoutSec: args.timeoutSec,
    what: "build",
    ...(args.signal ? { signal: args.signal } : {}),
    ...(args.onLine ? { onLine: (line: string) => args.onLine?.(line) } : {}),
  });
  return outputOf(stdout, gcRoot);
}

/** Registers an already valid output as a GC root (the build was skipped). */
export async function addGcRoot(outPath: string, gcRoot: string): Promise<void> {
  const root = path.resolve(gcRoot);
  await mkdir(path.dirname(root), { recursive: true });
  await runStage("nix-store", ["--add-root", root, "--realise", outPath], { timeoutSec: QUERY_TIMEOUT_SEC, what: "nix-store --add-root" });
}
