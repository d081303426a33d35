/**
 * The planner (runtime/agent/plan.ts), as a table: each row is a situation (state, config, facts,
 * now) and the next action the agent must take in it. Pure: no process, no file, no clock.
 */
import test from "ava";
import { plan, type Action, type PlanFacts, type PlanInput } from "../../../runtime/agent/plan.js";
import { pendingStage, type StageRecord } from "../../../runtime/agent/stages.js";
import { emptyState, type State } from "../../../runtime/state/state.js";
import type { Candidate, ConfirmationStatus, DeploymentRecord, GenerationRecord } from "../../../runtime/types.js";

const NOW = new Date("2026-06-20T10:00:00.000Z");
const A = "a".repeat(40);
const B = "b".repeat(40);
const OUT = "/nix/store/oooooooooooooooooooooooooooooooo-nixos-system-web1";
const OTHER_OUT = "/nix/store/pppppppppppppppppppppppppppppppp-nixos-system-web1";
const MACHINE = "0123456789abcdef0123456789abcdef";

type Config = PlanInput["config"];

function config(overrides: { retries?: Partial<Config["retries"]>; confirm?: Partial<Config["confirm"]>; reboot?: Partial<Config["reboot"]> } = {}): Config {
  return {
    retries: { attempts: 3, backoff: 30, maxBackoff: 3600, ...overrides.retries },
    confirm: { build: { mode: "without", after: 0 }, deploy: { mode: "without", after: 0 }, ...overrides.confirm },
    reboot: { policy: "notify", windows: [], command: ["systemctl", "reboot"], ...overrides.reboot },
  } as Config;
}

function candidate(commit = A, isTesting = false): Candidate {
  return { commit, remote: "origin", branch: isTesting ? "testing-web1" : "main", isTesting, signed: null, signedBy: null, message: "m" };
}

function stage(status: StageRecord["status"], attempts = 0, error: string | null = null): StageRecord {
  return { ...pendingStage(), status, attempts, error };
}

function generation(overrides: Partial<GenerationRecord> & { stages?: [StageRecord["status"], StageRecord["status"], StageRecord["status"]] } = {}): GenerationRecord {
  const [e, b, d] = overrides.stages ?? ["pending", "pending", "pending"];
  const { stages: _stages, ...rest } = overrides;
  return {
    id: "g1",
    commit: A,
    remote: "origin",
    branch: "main",
    isTesting: false,
    message: "m",
    flakeUrl: null,
    drvPath: e === "done" ? "/nix/store/x.drv" : null,
    outPath: e === "done" ? OUT : null,
    machineId: null,
    source: null,
    prebuiltMiss: null,
    createdAt: NOW.toISOString(),
    operation: "switch",
    eval: stage(e),
    build: stage(b),
    deploy: { ...stage(d), deploymentId: null },
    ...rest,
  };
}

function deployment(overrides: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    kind: "deployment",
    id: "d1",
    generationId: "g0",
    commit: A,
    remote: "origin",
    branch: "main",
    message: "m",
    operation: "switch",
    operationSubmitted: "switch",
    reason: null,
    status: "done",
    outPath: OUT,
    profilePath: null,
    createdAt: NOW.toISOString(),
    startedAt: NOW.toISOString(),
    endedAt: NOW.toISOString(),
    error: null,
    previousOutPath: null,
    health: { status: "skipped", checks: [] },
    rollback: null,
    ...overrides,
  };
}

function facts(overrides: Partial<PlanFacts> = {}): PlanFacts {
  return {
    running: null,
    hostMachineId: MACHINE,
    confirmations: { accepted: new Set(), pending: [] },
    manualDeploy: null,
    reboot: { needed: false, reason: null, current: "/run/current", booted: "/run/booted" },
    ...overrides,
  };
}

function state(overrides: Partial<State> = {}): State {
  return { ...emptyState(), candidate: candidate(), ...overrides };
}

interface Row {
  name: string;
  state?: Partial<State>;
  facts?: Partial<PlanFacts>;
  config?: Config;
  now?: Date;
  expect: Partial<Action> & { kind: Action["kind"] };
}

const confirmation = (stageName: "build" | "deploy", autoAt: string | null = null): ConfirmationStatus => ({
  stage: stageName,
  mode: autoAt ? "auto" : "manual",
  generationId: "g1",
  commit: A,
  submittedAt: NOW.toISOString(),
  autoAt,
});

const rows: Row[] = [
  // §2 the loop
  { name: "no candidate: idle", state: { candidate: null }, expect: { kind: "idle", why: null } },
  { name: "a candidate without a generation: a new generation", state: {}, expect: { kind: "new-generation" } },
  { name: "a new candidate (another commit): a new generation", state: { candidate: candidate(B), generations: [generation({ stages: ["done", "done", "done"] })] }, expect: { kind: "new-generation" } },
  { name: "the same commit now from testing: a new generation", state: { candidate: candidate(A, true), generations: [generation({ stages: ["done", "done", "done"] })] }, expect: { kind: "new-generation" } },
  { name: "a pending evaluation starts", state: { generations: [generation()] }, expect: { kind: "evaluate", generationId: "g1" } },
  { name: "while an evaluation of an older candidate runs: cancel it (preempted)", state: { candidate: candidate(B), generations: [generation({ stages: ["running", "pending", "pending"] })] }, facts: { running: { kind: "evaluate", generationId: "g1" } }, expect: { kind: "cancel", reason: "preempted", stage: "eval" } },
  { name: "while a build of an older candidate runs: cancel it (preempted)", state: { candidate: candidate(B), generations: [generation({ stages: ["done", "running", "pending"] })] }, facts: { running: { kind: "build", generationId: "g1" } }, expect: { kind: "cancel", reason: "preempted", stage: "build" } },
  { name: "a deployment is never preempted", state: { candidate: candidate(B), generations: [generation({ stages: ["done", "done", "running"] })] }, facts: { running: { kind: "deploy", generationId: "g1" } }, expect: { kind: "wait", why: "deploy running" } },
  { name: "while the current candidate's build runs: wait", state: { generations: [generation({ stages: ["done", "running", "pending"] })] }, facts: { running: { kind: "build", generationId: "g1" } }, expect: { kind: "wait", why: "build running" } },
  { name: "a cancelled evaluation whose candidate is back starts over", state: { generations: [generation({ stages: ["cancelled", "pending", "pending"] })] }, expect: { kind: "restart", stage: "eval" } },
  { name: "a cancelled build whose candidate is back starts over", state: { generations: [generation({ stages: ["done", "cancelled", "pending"] })] }, expect: { kind: "restart", stage: "build" } },
  // §5 / §6
  { name: "an evaluated generation is built", state: { generations: [generation({ stages: ["done", "pending", "pending"] })] }, expect: { kind: "build" } },
  { name: "§6 a generation pinned to another machine is stopped before the build", state: { generations: [generation({ stages: ["done", "pending", "pending"], machineId: "ffffffffffffffffffffffffffffffff" })] }, expect: { kind: "machine-id-mismatch", message: `machineId ffffffffffffffffffffffffffffffff does not match this machine (${MACHINE})` } },
  { name: "§6 … and stays stopped", state: { generations: [generation({ stages: ["done", "skipped", "skipped"], machineId: "ffffffffffffffffffffffffffffffff" })] }, expect: { kind: "idle" } },
  { name: "§6 an unknown host machine id never matches a pinned one", state: { generations: [generation({ stages: ["done", "pending", "pending"], machineId: MACHINE })] }, facts: { hostMachineId: null }, expect: { kind: "machine-id-mismatch" } },
  { name: "§6 a generation pinned to this machine is built", state: { generations: [generation({ stages: ["done", "pending", "pending"], machineId: MACHINE })] }, expect: { kind: "build" } },
  // §15 prebuilt systems
  { name: "§15 waiting for a prebuilt system: wait until the remote is fetched again", state: { generations: [generation({ prebuiltMiss: { reason: `waiting for a prebuilt system of ${A} (refs/notes/comin): no manifest`, waitingSince: NOW.toISOString() } })], lastFetch: { origin: { at: new Date(NOW.getTime() - 1000).toISOString(), ok: true, error: null } } }, expect: { kind: "wait", why: `waiting for a prebuilt system of ${A} (refs/notes/comin): no manifest`, until: null } },
  { name: "§15 … and looks again after a fetch of its remote", state: { generations: [generation({ prebuiltMiss: { reason: "waiting", waitingSince: NOW.toISOString() } })], lastFetch: { origin: { at: new Date(NOW.getTime() + 1000).toISOString(), ok: true, error: null } } }, expect: { kind: "evaluate", generationId: "g1" } },
  { name: "§15 … a fetch of another remote does not count", state: { generations: [generation({ prebuiltMiss: { reason: "waiting", waitingSince: NOW.toISOString() } })], lastFetch: { mirror: { at: new Date(NOW.getTime() + 1000).toISOString(), ok: true, error: null } } }, expect: { kind: "wait" } },
  { name: "§15 a system evaluated here after a miss (missing: evaluate) is built", state: { generations: [generation({ stages: ["done", "pending", "pending"], source: "local", prebuiltMiss: { reason: "no manifest", waitingSince: null } })] }, expect: { kind: "build" } },
  { name: "§15 a prebuilt system (evaluation skipped) is built, i.e. substituted", state: { generations: [generation({ stages: ["skipped", "pending", "pending"], source: "prebuilt", outPath: OUT })] }, expect: { kind: "build" } },
  { name: "§15 the machine-id guard applies to the manifest's machineId", state: { generations: [generation({ stages: ["skipped", "pending", "pending"], source: "prebuilt", outPath: OUT, machineId: "ffffffffffffffffffffffffffffffff" })] }, expect: { kind: "machine-id-mismatch" } },
  // §7
  { name: "a built generation is deployed with its operation", state: { generations: [generation({ stages: ["done", "done", "pending"], operation: "test" })] }, expect: { kind: "deploy", operation: "test", manual: false } },
  { name: "14.6 the deployment's reason says what changed, not a generation id", state: { generations: [generation({ stages: ["done", "done", "pending"] })] }, expect: { kind: "deploy", reason: "new commit aaaaaaa on origin/main" } },
  { name: "§7.2 same system and operation as the current deployment: skipped", state: { generations: [generation({ stages: ["done", "done", "pending"] })], deployments: [deployment()] }, expect: { kind: "already-deployed", deploymentId: "d1" } },
  { name: "§7.2 same system, another operation: deployed", state: { generations: [generation({ stages: ["done", "done", "pending"], operation: "test" })], deployments: [deployment()] }, expect: { kind: "deploy", operation: "test" } },
  { name: "§7.2 compared with the current (latest done) deployment, not the latest one", state: { generations: [generation({ stages: ["done", "done", "pending"] })], deployments: [deployment(), deployment({ id: "d2", outPath: OTHER_OUT, status: "failed" })] }, expect: { kind: "already-deployed", deploymentId: "d1" } },
  { name: "§7.2 another system than the current one: deployed", state: { generations: [generation({ stages: ["done", "done", "pending"] })], deployments: [deployment({ outPath: OTHER_OUT })] }, expect: { kind: "deploy" } },
  { name: "a deployed generation leaves nothing to do", state: { generations: [generation({ stages: ["done", "done", "done"] })] }, expect: { kind: "idle", why: null } },
  // §10 retries
  { name: "§10 a failed evaluation schedules a retry after the backoff", state: { generations: [generation({ eval: stage("failed", 1) })] }, expect: { kind: "schedule-retry", stage: "eval", attempt: 1, dueAt: new Date(NOW.getTime() + 30_000) } },
  { name: "§10 the backoff doubles", state: { generations: [generation({ eval: stage("failed", 2) })] }, config: config({ retries: { attempts: 5 } }), expect: { kind: "schedule-retry", dueAt: new Date(NOW.getTime() + 60_000) } },
  { name: "§10 the backoff is capped", state: { generations: [generation({ eval: stage("failed", 4) })] }, config: config({ retries: { attempts: 9, maxBackoff: 100 } }), expect: { kind: "schedule-retry", dueAt: new Date(NOW.getTime() + 100_000) } },
  { name: "§10 a scheduled retry not yet due: wait until then", state: { generations: [generation({ eval: stage("failed", 1) })], retry: { generationId: "g1", stage: "eval", attempt: 1, dueAt: "2026-06-20T10:00:30.000Z" } }, expect: { kind: "wait", why: "retry of the eval at 2026-06-20T10:00:30.000Z", until: new Date("2026-06-20T10:00:30.000Z") } },
  { name: "§10 a due retry runs", state: { generations: [generation({ eval: stage("failed", 1) })], retry: { generationId: "g1", stage: "eval", attempt: 1, dueAt: "2026-06-20T09:59:59.000Z" } }, expect: { kind: "retry", stage: "eval", attempt: 1 } },
  { name: "§10 a retry scheduled for an older attempt is scheduled again", state: { generations: [generation({ eval: stage("failed", 2) })], retry: { generationId: "g1", stage: "eval", attempt: 1, dueAt: "2026-06-20T09:00:00.000Z" } }, expect: { kind: "schedule-retry", attempt: 2 } },
  { name: "§10 the budget is per generation, all stages together", state: { generations: [generation({ eval: { ...stage("done"), attempts: 2 }, build: stage("failed", 1) })] }, expect: { kind: "idle", why: "gave up after 3 attempts: waiting for a new commit or `comin deployment submit-latest`" } },
  { name: "§10 a failed build is retried", state: { generations: [generation({ stages: ["done", "failed", "pending"], build: stage("failed", 1) })] }, expect: { kind: "schedule-retry", stage: "build" } },
  { name: "§10 a failed deployment is retried", state: { generations: [generation({ stages: ["done", "done", "pending"], deploy: { ...stage("failed", 1), deploymentId: "d9" } })] }, expect: { kind: "schedule-retry", stage: "deploy" } },
  { name: "§10 after the last attempt: give up", state: { generations: [generation({ stages: ["done", "done", "pending"], deploy: { ...stage("failed", 3), deploymentId: "d9" } })] }, expect: { kind: "idle" } },
  { name: "§9 an interrupted stage (retry due now) is retried at once", state: { generations: [generation({ eval: stage("failed", 1, "interrupted by an agent restart") })], retry: { generationId: "g1", stage: "eval", attempt: 1, dueAt: NOW.toISOString() } }, expect: { kind: "retry" } },
  // §11 suspend and confirmations
  { name: "§11 suspended: an evaluation still runs", state: { suspended: true, generations: [generation()] }, expect: { kind: "evaluate" } },
  { name: "§11 suspended: no build", state: { suspended: true, generations: [generation({ stages: ["done", "pending", "pending"] })] }, expect: { kind: "wait", why: "suspended: builds and deployments wait for `comin resume`" } },
  { name: "§11 suspended: no deployment", state: { suspended: true, generations: [generation({ stages: ["done", "done", "pending"] })] }, expect: { kind: "wait", why: "suspended: builds and deployments wait for `comin resume`" } },
  { name: "§11 suspended: a running build is stopped", state: { suspended: true, generations: [generation({ stages: ["done", "running", "pending"] })] }, facts: { running: { kind: "build", generationId: "g1" } }, expect: { kind: "cancel", reason: "suspended" } },
  { name: "§11 suspended: a running evaluation goes on", state: { suspended: true, generations: [generation({ stages: ["running", "pending", "pending"] })] }, facts: { running: { kind: "evaluate", generationId: "g1" } }, expect: { kind: "wait" } },
  { name: "§11 a manual build confirmation is asked once", state: { generations: [generation({ stages: ["done", "pending", "pending"] })] }, config: config({ confirm: { build: { mode: "manual", after: 0 } } }), expect: { kind: "ask-confirmation", stage: "build" } },
  { name: "§11 … then waited for", state: { generations: [generation({ stages: ["done", "pending", "pending"] })] }, config: config({ confirm: { build: { mode: "manual", after: 0 } } }), facts: { confirmations: { accepted: new Set(), pending: [confirmation("build")] } }, expect: { kind: "wait", why: "the build waits for `comin confirmation accept`" } },
  { name: "§11 an auto confirmation says when it proceeds", state: { generations: [generation({ stages: ["done", "done", "pending"] })] }, config: config({ confirm: { deploy: { mode: "auto", after: 60 } } }), facts: { confirmations: { accepted: new Set(), pending: [confirmation("deploy", "2026-06-20T10:01:00.000Z")] } }, expect: { kind: "wait", why: "the deploy proceeds at 2026-06-20T10:01:00.000Z unless confirmed earlier" } },
  { name: "§11 an accepted confirmation lets the build run", state: { generations: [generation({ stages: ["done", "pending", "pending"] })] }, config: config({ confirm: { build: { mode: "manual", after: 0 } } }), facts: { confirmations: { accepted: new Set(["build:g1"]), pending: [] } }, expect: { kind: "build" } },
  { name: "§11 a confirmation of another generation does not count", state: { generations: [generation({ stages: ["done", "done", "pending"] })] }, config: config({ confirm: { deploy: { mode: "manual", after: 0 } } }), facts: { confirmations: { accepted: new Set(["deploy:g0"]), pending: [] } }, expect: { kind: "ask-confirmation", stage: "deploy" } },
  { name: "§10 submit-latest deploys with its operation first", state: { generations: [generation({ stages: ["done", "done", "done"] })] }, facts: { manualDeploy: { generationId: "g1", operation: "boot" } }, expect: { kind: "deploy", operation: "boot", manual: true } },
  { name: "§10 submit-latest waits for the running action", state: { generations: [generation({ stages: ["done", "done", "done"] })] }, facts: { running: { kind: "evaluate", generationId: "g0" }, manualDeploy: { generationId: "g1", operation: "boot" } }, expect: { kind: "wait" } },
  // §8 reboots
  { name: "§8 a needed reboot with policy notify: nothing", state: { candidate: null }, facts: { reboot: { needed: true, reason: "kernel", current: "/c", booted: "/b" } }, expect: { kind: "idle" } },
  { name: "§8 when-needed, no windows: reboot now", state: { candidate: null }, config: config({ reboot: { policy: "when-needed" } }), facts: { reboot: { needed: true, reason: "kernel", current: "/c", booted: "/b" } }, expect: { kind: "reboot", reason: "kernel", pair: "/c|/b" } },
  { name: "§8 a reboot comes before a new generation's evaluation", config: config({ reboot: { policy: "always" } }), facts: { reboot: { needed: true, reason: "kernel", current: "/c", booted: "/b" } }, expect: { kind: "reboot" } },
  { name: "§8 no reboot while a deployment (and its post-deployment command) runs", state: { generations: [generation({ stages: ["done", "done", "running"] })] }, config: config({ reboot: { policy: "when-needed" } }), facts: { running: { kind: "deploy", generationId: "g1" }, reboot: { needed: true, reason: "kernel", current: "/c", booted: "/b" } }, expect: { kind: "wait", why: "deploy running" } },
  { name: "§8 no reboot while suspended", state: { candidate: null, suspended: true }, config: config({ reboot: { policy: "when-needed" } }), facts: { reboot: { needed: true, reason: "kernel", current: "/c", booted: "/b" } }, expect: { kind: "idle" } },
  { name: "§8 outside every window: wait for the next one", state: { candidate: null }, config: config({ reboot: { policy: "when-needed", windows: [{ days: ["sat"], from: "03:00", to: "05:00", timeZone: "UTC" }] } }), facts: { reboot: { needed: true, reason: "kernel", current: "/c", booted: "/b" } }, expect: { kind: "wait", why: "a reboot window", until: new Date("2026-06-27T03:00:00.000Z") } },
  { name: "§8 inside a window: reboot", state: { candidate: null }, now: new Date("2026-06-20T03:30:00.000Z"), config: config({ reboot: { policy: "when-needed", windows: [{ days: ["sat"], from: "03:00", to: "05:00", timeZone: "UTC" }] } }), facts: { reboot: { needed: true, reason: "kernel", current: "/c", booted: "/b" } }, expect: { kind: "reboot" } },
  { name: "§8 once per (current, booted) pair", state: { candidate: null, rebootAttempt: { pair: "/c|/b", at: "2026-06-20T09:00:00.000Z", ok: true, error: null } }, config: config({ reboot: { policy: "when-needed" } }), facts: { reboot: { needed: true, reason: "kernel", current: "/c", booted: "/b" } }, expect: { kind: "idle" } },
  { name: "§8 a new pair reboots again", state: { candidate: null, rebootAttempt: { pair: "/c0|/b", at: "2026-06-20T09:00:00.000Z", ok: true, error: null } }, config: config({ reboot: { policy: "when-needed" } }), facts: { reboot: { needed: true, reason: "kernel", current: "/c", booted: "/b" } }, expect: { kind: "reboot" } },
  { name: "§8 a failed reboot command is not tried again within 10 minutes", state: { candidate: null, rebootAttempt: { pair: "/c|/b", at: "2026-06-20T09:55:00.000Z", ok: false, error: "exit 1" } }, config: config({ reboot: { policy: "when-needed" } }), facts: { reboot: { needed: true, reason: "kernel", current: "/c", booted: "/b" } }, expect: { kind: "wait", until: new Date("2026-06-20T10:05:00.000Z") } },
  { name: "§8 … and is tried again after 10 minutes", state: { candidate: null, rebootAttempt: { pair: "/c|/b", at: "2026-06-20T09:50:00.000Z", ok: false, error: "exit 1" } }, config: config({ reboot: { policy: "when-needed" } }), facts: { reboot: { needed: true, reason: "kernel", current: "/c", booted: "/b" } }, expect: { kind: "reboot" } },
  // §16 reboot coordination: a refused or failed take of a slot holds the reboot until its retry time
  { name: "§16 no free slot: the reboot waits until the next try", state: { candidate: null }, config: config({ reboot: { policy: "when-needed" } }), facts: { reboot: { needed: true, reason: "kernel", current: "/c", booted: "/b" }, rebootLockBlock: { why: "waiting for a reboot slot (group default: 1/1 held by db1)", until: new Date("2026-06-20T10:00:10.000Z") } }, expect: { kind: "wait", why: "waiting for a reboot slot (group default: 1/1 held by db1)", until: new Date("2026-06-20T10:00:10.000Z") } },
  { name: "§16 … and tries again once that time has come", state: { candidate: null }, config: config({ reboot: { policy: "when-needed" } }), facts: { reboot: { needed: true, reason: "kernel", current: "/c", booted: "/b" }, rebootLockBlock: { why: "waiting for a reboot slot", until: new Date("2026-06-20T10:00:00.000Z") } }, expect: { kind: "reboot" } },
  { name: "§16 waiting for a slot does not hold a new generation back", config: config({ reboot: { policy: "when-needed" } }), facts: { reboot: { needed: true, reason: "kernel", current: "/c", booted: "/b" }, rebootLockBlock: { why: "waiting for a reboot slot", until: new Date("2026-06-20T10:00:10.000Z") } }, expect: { kind: "new-generation" } },
  { name: "§16 outside a window the window is what it waits for, not the lock", state: { candidate: null }, config: config({ reboot: { policy: "when-needed", windows: [{ days: ["sat"], from: "03:00", to: "05:00", timeZone: "UTC" }] } }), facts: { reboot: { needed: true, reason: "kernel", current: "/c", booted: "/b" }, rebootLockBlock: { why: "waiting for a reboot slot", until: new Date("2026-06-20T10:00:10.000Z") } }, expect: { kind: "wait", why: "a reboot window" } },
  { name: "§8 no reboot needed: no reboot, whatever the policy", state: { candidate: null }, config: config({ reboot: { policy: "always" } }), expect: { kind: "idle" } },
  // §14 health checks, rollback, quarantine
  { name: "§14 a deployment verifying (after a restart too): verify it", state: { generations: [generation({ stages: ["done", "done", "running"] })], deployments: [deployment({ status: "verifying" })] }, expect: { kind: "verify", deploymentId: "d1" } },
  { name: "§14 a verification comes before a new candidate", state: { candidate: candidate(B), generations: [generation({ stages: ["done", "done", "running"] })], deployments: [deployment({ status: "verifying" })] }, expect: { kind: "verify" } },
  { name: "§14 a verification comes before a due reboot", state: { deployments: [deployment({ status: "verifying" })] }, config: config({ reboot: { policy: "when-needed" } }), facts: { reboot: { needed: true, reason: "kernel", current: "/c", booted: "/b" } }, expect: { kind: "verify" } },
  { name: "§14 while verifying: wait, never preempted", state: { candidate: candidate(B), deployments: [deployment({ status: "verifying" })] }, facts: { running: { kind: "verify", generationId: null } }, expect: { kind: "wait", why: "verifying the deployment's health" } },
  { name: "§14 a rollback recorded as running (after a restart too): run it", state: { deployments: [deployment({ status: "failed", rollback: { trigger: "health", to: OTHER_OUT, status: "running", error: null } })] }, expect: { kind: "rollback", deploymentId: "d1", trigger: "health" } },
  { name: "§14 a manual rollback of a done deployment runs", state: { deployments: [deployment({ rollback: { trigger: "manual", to: OTHER_OUT, status: "running", error: null } })] }, expect: { kind: "rollback", trigger: "manual" } },
  { name: "§14 a failed rollback is never run again", state: { generations: [generation({ stages: ["done", "done", "failed"], deploy: { ...stage("failed", 1), deploymentId: "d1" } })], deployments: [deployment({ status: "failed", rollback: { trigger: "health", to: OTHER_OUT, status: "failed", error: "exit 1" } })] }, expect: { kind: "idle", why: "the deployment was rolled back (health): not retried; waiting for a new commit" } },
  { name: "§14 a rollback comes before a verification", state: { deployments: [deployment({ id: "d0", status: "failed", rollback: { trigger: "activation", to: OTHER_OUT, status: "running", error: null } }), deployment({ status: "verifying" })] }, expect: { kind: "rollback", deploymentId: "d0" } },
  { name: "§14 a boot verification recorded as running: verify the booted system", state: { deployments: [deployment()], bootVerification: { outPath: OUT, status: "running", startedAt: NOW.toISOString(), finishedAt: null } }, expect: { kind: "verify-boot", deploymentId: "d1", outPath: OUT } },
  { name: "§14 a passed boot verification: nothing more", state: { candidate: null, deployments: [deployment()], bootVerification: { outPath: OUT, status: "passed", startedAt: NOW.toISOString(), finishedAt: NOW.toISOString() } }, expect: { kind: "idle" } },
  { name: "§14 a quarantined commit is not built", state: { generations: [generation({ stages: ["done", "pending", "pending"] })], quarantine: [{ commit: A, outPath: null, reason: "health check web failed", at: NOW.toISOString() }] }, expect: { kind: "idle", why: `commit ${A} is quarantined: health check web failed` } },
  { name: "§14 a quarantined commit is still evaluated (status stays fresh)", state: { generations: [generation()], quarantine: [{ commit: A, outPath: null, reason: "r", at: NOW.toISOString() }] }, expect: { kind: "evaluate" } },
  { name: "§14 another commit evaluating to a quarantined system is not built", state: { candidate: candidate(B), generations: [generation({ commit: B, stages: ["done", "pending", "pending"] })], quarantine: [{ commit: A, outPath: OUT, reason: "r", at: NOW.toISOString() }] }, expect: { kind: "idle", why: `system ${OUT} is quarantined` } },
  { name: "§14 a quarantined system built meanwhile is not deployed", state: { candidate: candidate(B), generations: [generation({ commit: B, stages: ["done", "done", "pending"] })], quarantine: [{ commit: A, outPath: OUT, reason: "r", at: NOW.toISOString() }] }, expect: { kind: "idle", why: `system ${OUT} is quarantined` } },
  { name: "§14 quarantine never holds another commit and system", state: { candidate: candidate(B), generations: [generation({ commit: B, stages: ["done", "done", "pending"] })], quarantine: [{ commit: A, outPath: OTHER_OUT, reason: "r", at: NOW.toISOString() }] }, expect: { kind: "deploy" } },
  { name: "§14 a health failure (onFailure report) is not retried", state: { generations: [generation({ stages: ["done", "done", "failed"], deploy: { ...stage("failed", 1), deploymentId: "d1" } })], deployments: [deployment({ status: "failed", health: { status: "failed", checks: [] } })] }, expect: { kind: "idle", why: "the deployment failed its health checks: not retried; waiting for a new commit" } },
  { name: "§14 an activation failure without health is retried as before", state: { generations: [generation({ stages: ["done", "done", "failed"], deploy: { ...stage("failed", 1), deploymentId: "d1" } })], deployments: [deployment({ status: "failed" })] }, expect: { kind: "schedule-retry", stage: "deploy" } },
];

for (const row of rows) {
  test(`plan: ${row.name}`, (t) => {
    const input: PlanInput = { state: state(row.state), config: row.config ?? config(), now: row.now ?? NOW, facts: facts(row.facts) };

    const action = plan(input);

    t.like(action, row.expect as Record<string, unknown>);
  });
}

test("plan: a running stage that has just ended says what comes next, not that it runs", (t) => {
  const input: PlanInput = {
    state: state({ generations: [generation({ eval: stage("failed", 3) })] }),
    config: config(),
    now: NOW,
    facts: facts({ running: { kind: "evaluate", generationId: "g1" } }),
  };

  const action = plan(input);

  t.like(action, { kind: "wait", why: "gave up after 3 attempts: waiting for a new commit or `comin deployment submit-latest`" });
});

test("plan: the planner is pure (same input, same action; the input is not changed)", (t) => {
  const input: PlanInput = { state: state({ generations: [generation({ eval: stage("failed", 1) })] }), config: config(), now: NOW, facts: facts() };
  const before = JSON.stringify(input.state);

  t.deepEqual(plan(input), plan(input));
  t.is(JSON.stringify(input.state), before);
});
