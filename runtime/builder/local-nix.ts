/**
 * The local Nix builder: evaluates the candidate on the machine (one `nix eval`, §5) and realises
 * the derivation with a GC root. One implementation of the Builder port.
 */
import path from "node:path";
import type { CominConfig } from "../../dsl/schema.js";
import { StageError } from "../errors.js";
import { realiseGeneration } from "../nix/build.js";
import { evaluateGeneration } from "../nix/evaluate.js";
import type { Builder } from "../ports.js";
import { gcRootOf, pruneGcRoots } from "./gc-roots.js";

export function localNixBuilder(config: CominConfig, repoDir: string): Builder {
  const workDir = path.join(config.stateDir, "work");
  return {
    resolve: (generation, io) =>
      evaluateGeneration({
        repoDir,
        commit: generation.commit,
        hostname: config.hostname,
        repository: config.repository,
        timeoutSec: config.timeouts.eval,
        signal: io.signal,
        onLine: io.onLine,
        workDir,
      }),
    realise: async (generation, io) => {
      if (!generation.drvPath) throw new StageError("failed", "the evaluation gave no derivation");
      return realiseGeneration({ drvPath: generation.drvPath, gcRoot: gcRootOf(config.stateDir, generation.id), timeoutSec: config.timeouts.build, signal: io.signal, onLine: io.onLine });
    },
    forget: (keep) => pruneGcRoots(config.stateDir, keep),
  };
}
