/** States for tests of the state store and of what reads it. */
import { emptyState, type State } from "../../runtime/state/store.js";
import type { GenerationRecord } from "../../runtime/types.js";
import { SHA_A, SHA_B, sampleDeployment, sampleGeneration, sampleReboot, stage } from "./fake-controller.js";

/** A generation as the state keeps it (status adds `attempt`, the sum of its stages' attempts). */
function stored(generation: ReturnType<typeof sampleGeneration>): GenerationRecord {
  const { attempt: _attempt, ...record } = generation;
  return record;
}

/** A state with every optional part filled, as the manager writes it in the middle of its work. */
export function fullState(): State {
  return {
    ...emptyState(),
    baseline: SHA_A,
    candidate: { commit: SHA_B, remote: "origin", branch: "testing-web1", isTesting: true, signed: true, signedBy: "alice", message: "next" },
    branches: { origin: { main: { name: "main", commit: SHA_A, error: null }, testing: { name: "testing-web1", commit: SHA_B, error: null } } },
    lastFetch: { origin: { at: "2026-06-20T10:00:00.000Z", ok: true, error: null } },
    generations: [stored(sampleGeneration()), stored(sampleGeneration({ id: "gen-2", commit: SHA_B, operation: "test", build: stage({ status: "failed", attempts: 1 }) }))],
    deployments: [
      sampleDeployment({ previousOutPath: "/nix/store/a", health: { status: "failed", checks: [{ name: "web", ok: false, detail: "HTTP 500" }] }, rollback: { trigger: "health", to: "/nix/store/a", status: "running", error: null } }),
      sampleReboot({ id: "reboot-1", reason: "kernel changed" }),
    ],
    suspended: true,
    retry: { generationId: "gen-2", stage: "build", attempt: 1, dueAt: "2026-06-20T10:01:00.000Z" },
    rebootAttempt: { pair: "/nix/store/a|/nix/store/b", at: "2026-06-20T10:00:00.000Z", ok: false, error: "exit code 1" },
    quarantine: [{ commit: SHA_B, outPath: "/nix/store/b", reason: "health check web failed: HTTP 500", at: "2026-06-20T10:00:00.000Z" }],
    bootVerification: { outPath: "/nix/store/b", status: "running", startedAt: "2026-06-20T10:00:00.000Z", finishedAt: null },
  };
}
