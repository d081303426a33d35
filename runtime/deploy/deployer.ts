/**
 * One activation (behaviour.md §7 steps 3-5 and 7): switch inhibitors, the profile generation and
 * its pruning (switch and boot only; `test` never touches profiles), switch-to-configuration with
 * a timeout, and whether the agent's own unit changed meanwhile.
 */
import path from "node:path";
import type { CominConfig } from "../../dsl/schema.js";
import { errorMessage, StageError } from "../errors.js";
import type { Logger } from "../log.js";
import { runStage } from "../process.js";
import type { Operation } from "../types.js";
import { applyInhibitors, changedInhibitors, readInhibitors } from "./inhibitors.js";
import { pruneProfileLinks, setProfile } from "./profile.js";
import { unitChanged, unitFingerprint } from "./unit-hash.js";

export { runPostDeploymentCommand, POST_DEPLOYMENT_VARIABLES } from "./post-deployment.js";

export interface ActivationResult {
  /** The operation run; null when switch inhibitors made it skip (`test` only). */
  operation: Operation | null;
  /** Why the operation differs from the one asked for. */
  reason: string | null;
  /** The new profile generation link (`<profile>-<N>-link`), for switch and boot. */
  profilePath: string | null;
  /** The agent's systemd unit changed: exit after recording, so that systemd restarts it. */
  unitChanged: boolean;
}

/** A failed activation, with what was done before the failure (e.g. the profile already set). */
export class ActivationError extends StageError {
  constructor(
    cause: StageError,
    readonly result: ActivationResult,
  ) {
    super(cause.kind, cause.message, { cause });
  }
}

export interface ActivateArgs {
  outPath: string;
  operation: Operation;
  paths: CominConfig["paths"];
  timeoutSec: number;
  /** Profile links (full paths) of the deployments retention keeps. */
  keepProfileLinks: string[];
  signal?: AbortSignal;
  onLine?: (line: string) => void;
  log: Logger;
}

function asStageError(error: unknown): StageError {
  return error instanceof StageError ? error : new StageError("failed", errorMessage(error), { cause: error });
}

export async function activate(args: ActivateArgs): Promise<ActivationResult> {
  const { outPath, paths, log } = args;
  const [currentInhibitors, nextInhibitors] = await Promise.all([readInhibitors(paths.currentSystem), readInhibitors(outPath)]);
  const changed = changedInhibitors(currentInhibitors, nextInhibitors);
  const { operation, reason } = applyInhibitors(args.operation, changed);
  if (reason) log.warn("switch inhibitors changed", { keys: changed, requested: args.operation, operation, reason });
  const result: ActivationResult = { operation, reason, profilePath: null, unitChanged: false };
  if (operation === null) return result;

  const before = await unitFingerprint(paths.systemdUnit);
  try {
    if (operation === "switch" || operation === "boot") {
      result.profilePath = await setProfile(paths.profile, outPath);
      const removed = await pruneProfileLinks(paths.profile, [...args.keepProfileLinks, result.profilePath], paths.bootedSystem);
      log.info("profile set", { profile: paths.profile, generation: path.basename(result.profilePath), removed: removed.map((link) => path.basename(link)) });
    }
    await runStage(path.join(outPath, "bin", "switch-to-configuration"), [operation], {
      timeoutSec: args.timeoutSec,
      what: `switch-to-configuration ${operation}`,
      ...(args.signal ? { signal: args.signal } : {}),
      ...(args.onLine ? { onLine: (line: string) => args.onLine?.(line) } : {}),
    });
  } catch (error) {
    result.unitChanged = unitChanged(before, await unitFingerprint(paths.systemdUnit));
    throw new ActivationError(asStageError(error), result);
  }
  result.unitChanged = unitChanged(before, await unitFingerprint(paths.systemdUnit));
  return result;
}
