/**
 * New records of the history: a generation for a candidate, a deployment of a generation, a reboot.
 * One place that knows every field, so state, status and the API agree on them.
 */
import { randomUUID } from "node:crypto";
import type { Candidate, DeploymentRecord, GenerationRecord, Operation, RebootEntry } from "../types.js";
import { pendingStage } from "./stages.js";

export function newGeneration(candidate: Candidate, operation: Operation, at: string): GenerationRecord {
  return {
    id: randomUUID(),
    commit: candidate.commit,
    remote: candidate.remote,
    branch: candidate.branch,
    isTesting: candidate.isTesting,
    // Already bounded (4 KiB) by selection.
    message: candidate.message ?? "",
    flakeUrl: null,
    drvPath: null,
    outPath: null,
    machineId: null,
    source: null,
    prebuiltMiss: null,
    createdAt: at,
    operation,
    eval: pendingStage(),
    build: pendingStage(),
    deploy: { ...pendingStage(), deploymentId: null },
  };
}

export function newDeployment(generation: GenerationRecord, operation: Operation, reason: string, at: string): DeploymentRecord {
  return {
    kind: "deployment",
    id: randomUUID(),
    generationId: generation.id,
    commit: generation.commit,
    remote: generation.remote,
    branch: generation.branch,
    message: generation.message,
    operation,
    operationSubmitted: operation,
    reason,
    status: "running",
    outPath: generation.outPath,
    profilePath: null,
    createdAt: at,
    startedAt: at,
    endedAt: null,
    error: null,
    previousOutPath: null,
    health: { status: "skipped", checks: [] },
    rollback: null,
  };
}

export function newRebootEntry(reason: string, from: string | null, to: string | null, at: string): RebootEntry {
  return { kind: "reboot", id: randomUUID(), createdAt: at, reason, from, to };
}
