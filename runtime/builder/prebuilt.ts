/**
 * The prebuilt builder (behaviour.md §15): the system of a candidate comes from the manifest CI
 * published for it (a git note), and "building" it is substituting it from the configured binary
 * caches. No evaluation happens on the machine. Without a usable manifest the generation waits for
 * one (`missing: "wait"`) or the local builder evaluates and builds it (`missing: "evaluate"`).
 * The second implementation of the Builder port, around the first.
 */
import type { CominConfig } from "../../dsl/schema.js";
import { StageError } from "../errors.js";
import type { SignatureVerifier } from "../git/signatures.js";
import type { Logger } from "../log.js";
import type { Builder, Resolution } from "../ports.js";
import { findPublishedSystem } from "../prebuilt/notes.js";
import { substituteSystem } from "../prebuilt/substitute.js";
import { gcRootOf } from "./gc-roots.js";

/** What status says while a generation waits for its prebuilt system (§15). */
export function waitingForPrebuilt(commit: string, notesRef: string): string {
  return `waiting for a prebuilt system of ${commit} (${notesRef})`;
}

export function prebuiltBuilder(args: { config: CominConfig; gitDir: string; verifier: SignatureVerifier | null; local: Builder; log: Logger }): Builder {
  const { config, gitDir, verifier, local, log } = args;
  const prebuilt = config.prebuilt;
  if (!prebuilt) return local;
  return {
    async resolve(generation, io): Promise<Resolution> {
      const found = await findPublishedSystem({
        gitDir,
        remote: generation.remote,
        notesRef: prebuilt.notesRef,
        commit: generation.commit,
        hostname: config.hostname,
        verifier,
        signal: io.signal,
      });
      if (found.ok) {
        const { system } = found;
        log.info("prebuilt system found", { generation: generation.id, commit: generation.commit, outPath: system.outPath, notes: found.notesHead });
        return { drvPath: system.drvPath, outPath: system.outPath, machineId: system.machineId, flakeUrl: null, source: "prebuilt", prebuiltMiss: null };
      }
      if (prebuilt.missing === "wait") throw new StageError("waiting", `${waitingForPrebuilt(generation.commit, prebuilt.notesRef)}: ${found.reason}`);
      log.warn("no usable prebuilt system: evaluating here", { generation: generation.id, commit: generation.commit, reason: found.reason });
      const resolution = await local.resolve(generation, io);
      return { ...resolution, source: "local", prebuiltMiss: found.reason };
    },
    realise(generation, io) {
      if (generation.source !== "prebuilt") return local.realise(generation, io);
      if (!generation.outPath) throw new StageError("failed", "the manifest gave no system");
      return substituteSystem({
        outPath: generation.outPath,
        gcRoot: gcRootOf(config.stateDir, generation.id),
        prebuilt,
        timeoutSec: config.timeouts.build,
        signal: io.signal,
        onLine: io.onLine,
      });
    },
    forget: (keep) => local.forget(keep),
  };
}
