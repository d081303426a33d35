/**
 * State files of version 1 (the first agents) load into version 2 with nothing of value lost: the
 * baseline, the history (reboots become their own entries, with the last reboot's systems), the
 * attempts of a failed generation (§9, §10).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import test from "ava";
import { silentLogger } from "../../../runtime/log.js";
import { StateStore } from "../../../runtime/state/store.js";
import { STATE_VERSION } from "../../../runtime/state/state.js";

const A = "a".repeat(40);
const AT = "2026-06-20T10:00:00.000Z";
const v1 = {
  schemaVersion: 1,
  baseline: A,
  candidate: { commit: A, remote: "origin", branch: "main", isTesting: false, signed: null, signedBy: null, error: null, message: "m" },
  branches: {},
  lastFetch: {},
  generations: [
    {
      id: "g1", commit: A, remote: "origin", branch: "main", isTesting: false, message: "m", flakeUrl: null, drvPath: "/nix/store/x.drv", outPath: "/nix/store/x", machineId: null, createdAt: AT,
      eval: { status: "done", error: null, startedAt: AT, endedAt: AT },
      build: { status: "failed", error: "builder failed", startedAt: AT, endedAt: AT },
      operation: "switch",
      deploy: { status: "pending", deploymentId: null, error: null },
      attempt: 2,
    },
  ],
  deployments: [
    { id: "d1", kind: "deployment", generationId: "g0", commit: A, remote: "origin", branch: "main", message: "m", operation: "switch", operationSubmitted: "switch", reason: null, status: "done", outPath: "/nix/store/x", profilePath: null, createdAt: AT, startedAt: AT, endedAt: AT, error: null },
    { id: "r1", kind: "reboot", generationId: null, commit: null, remote: null, branch: null, message: null, operation: null, operationSubmitted: null, reason: "kernel", status: "done", outPath: "/nix/store/x", profilePath: null, createdAt: "2026-06-20T11:00:00.000Z", startedAt: null, endedAt: null, error: null },
  ],
  suspended: true,
  retry: null,
  rebootAttempt: null,
  lastReboot: { at: "2026-06-20T11:00:00.000Z", reason: "kernel", from: "/nix/store/old", to: "/nix/store/x" },
};

test("§9 a version 1 state file is migrated: baseline, history, reboots and attempts are kept", async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), "comin-migrate-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, "state.json");
  await writeFile(file, JSON.stringify(v1));

  const { state, corrupt, droppedKeys } = await new StateStore(file, silentLogger).load();

  t.is(corrupt, null);
  t.deepEqual(droppedKeys, []);
  t.is(state.schemaVersion, STATE_VERSION);
  t.is(state.baseline, A);
  t.true(state.suspended);
  t.deepEqual(state.deployments[1], { kind: "reboot", id: "r1", createdAt: "2026-06-20T11:00:00.000Z", reason: "kernel", from: "/nix/store/old", to: "/nix/store/x" });
  t.like(state.generations[0], { build: { status: "failed", attempts: 2 }, eval: { status: "done", attempts: 0 } });
  t.false("attempt" in (state.generations[0] ?? {}));
});
