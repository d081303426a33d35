/**
 * The full shape of `state.json` (behaviour.md §9) as a schema of the daemon's own validator
 * (runtime/validate/, not zod: issue 15), mirroring the TypeScript types of the state exactly: `tsc`
 * fails below when a field is added to one and not to the other.
 *
 * Every object is strict, so a key this agent does not know is reported with its path. The store
 * drops such keys (with a warning and a copy of the file) rather than discarding the whole state:
 * a rollback to an older system runs an older agent on a state written by a newer one, and losing
 * the baseline and the history there would be worse than losing fields it cannot use anyway.
 *
 * A field added later needs a `.default()` here (or a new schemaVersion with a migration), so that
 * the files written before it still load.
 */
import { STAGE_STATUSES, STAGES } from "../agent/stages.js";
import { OBJECT_ID } from "../git/object-id.js";
import { OPERATIONS } from "../operations.js";
import { HEALTH_STATUSES, ROLLBACK_TRIGGERS, type BootVerification, type BranchStatus, type Candidate, type DeploymentHealth, type DeploymentRecord, type GenerationRecord, type QuarantineEntry, type RebootEntry, type RollbackRecord, type StageRecord } from "../types.js";
import * as v from "../validate/index.js";
import { STATE_VERSION, type RebootAttempt, type RebootLockHold, type RetryState, type State } from "./state.js";

/** A full object id, as git prints it: anything else never came from this agent. */
const CommitId = v.string().regex(OBJECT_ID, "expected a full commit id (40 or 64 lowercase hexadecimal characters)");
const Time = v.isoDatetime();
const StageStatus = v.oneOf(STAGE_STATUSES);
const RetryStage = v.oneOf(STAGES);
const Operation = v.oneOf(OPERATIONS);
const Count = v.number().int().nonnegative();

const BranchStatusSchema = v.strictObject({ name: v.string().nullable(), commit: CommitId.nullable(), error: v.string().nullable() });

const CandidateSchema = v.strictObject({
  commit: CommitId,
  remote: v.string(),
  branch: v.string(),
  isTesting: v.boolean(),
  signed: v.boolean().nullable(),
  signedBy: v.string().nullable(),
  message: v.string().optional(),
});

const StageRecordSchema = v.strictObject({
  status: StageStatus,
  error: v.string().nullable(),
  attempts: Count,
  startedAt: Time.nullable(),
  endedAt: Time.nullable(),
});

const GenerationRecordSchema = v.strictObject({
  id: v.string(),
  commit: CommitId,
  remote: v.string(),
  branch: v.string(),
  isTesting: v.boolean(),
  message: v.string(),
  flakeUrl: v.string().nullable(),
  drvPath: v.string().nullable(),
  outPath: v.string().nullable(),
  machineId: v.string().nullable(),
  source: v.oneOf(["local", "prebuilt"]).nullable().default(null),
  prebuiltMiss: v.strictObject({ reason: v.string(), waitingSince: Time.nullable() }).nullable().default(null),
  createdAt: Time,
  operation: Operation,
  eval: StageRecordSchema,
  build: StageRecordSchema,
  deploy: StageRecordSchema.extend({ deploymentId: v.string().nullable() }),
});

const HealthSchema = v.strictObject({
  status: v.oneOf(HEALTH_STATUSES),
  checks: v.array(v.strictObject({ name: v.string(), ok: v.boolean().nullable(), detail: v.string().nullable() })),
});

const RollbackSchema = v.strictObject({
  trigger: v.oneOf(ROLLBACK_TRIGGERS),
  to: v.string().nullable(),
  status: v.oneOf(["running", "done", "failed"]),
  error: v.string().nullable(),
});

const QuarantineSchema = v.strictObject({ commit: CommitId, outPath: v.string().nullable(), reason: v.string(), at: Time });

const BootVerificationSchema = v.strictObject({
  outPath: v.string(),
  status: v.oneOf(["running", "passed", "failed"]),
  startedAt: Time,
  finishedAt: Time.nullable(),
});

const DeploymentRecordSchema = v.strictObject({
  kind: v.literal("deployment"),
  id: v.string(),
  generationId: v.string().nullable(),
  commit: CommitId.nullable(),
  remote: v.string().nullable(),
  branch: v.string().nullable(),
  message: v.string().nullable(),
  operation: Operation.nullable(),
  operationSubmitted: Operation,
  reason: v.string().nullable(),
  status: v.oneOf(["running", "verifying", "done", "failed", "skipped", "rolled-back"]),
  outPath: v.string().nullable(),
  profilePath: v.string().nullable(),
  createdAt: Time,
  startedAt: Time.nullable(),
  endedAt: Time.nullable(),
  error: v.string().nullable(),
  // Added with health checks (§14): files written before them load with these defaults.
  previousOutPath: v.string().nullable().default(null),
  health: HealthSchema.default({ status: "skipped", checks: [] }),
  rollback: RollbackSchema.nullable().default(null),
});

const RebootEntrySchema = v.strictObject({
  kind: v.literal("reboot"),
  id: v.string(),
  createdAt: Time,
  reason: v.string(),
  from: v.string().nullable(),
  to: v.string().nullable(),
});

const RetryStateSchema = v.strictObject({ generationId: v.string(), stage: RetryStage, attempt: Count, dueAt: Time });

const RebootAttemptSchema = v.strictObject({ pair: v.string(), at: Time, ok: v.boolean(), error: v.string().nullable() });

const RebootLockHoldSchema = v.strictObject({
  backend: v.oneOf(["etcd", "fleetLock"]),
  group: v.string(),
  holder: v.string(),
  takenAt: Time,
  from: v.string().nullable(),
  to: v.string().nullable(),
});

export const StateFile = v.strictObject({
  schemaVersion: v.literal(STATE_VERSION),
  baseline: CommitId.nullable(),
  candidate: CandidateSchema.nullable(),
  branches: v.record(v.string(), v.strictObject({ main: BranchStatusSchema, testing: BranchStatusSchema })),
  lastFetch: v.record(v.string(), v.strictObject({ at: Time, ok: v.boolean(), error: v.string().nullable() })),
  generations: v.array(GenerationRecordSchema),
  deployments: v.array(v.discriminatedUnion("kind", [DeploymentRecordSchema, RebootEntrySchema])),
  suspended: v.boolean(),
  retry: RetryStateSchema.nullable(),
  rebootAttempt: RebootAttemptSchema.nullable(),
  quarantine: v.array(QuarantineSchema).default([]),
  bootVerification: BootVerificationSchema.nullable().default(null),
  // Added with reboot coordination (§16): files written before it load with no slot held.
  rebootLock: RebootLockHoldSchema.nullable().default(null),
});

// ---------------------------------------------------------------- the schema is the types

/** True only when A and B are the same type (optional and readonly modifiers included). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Mirrors<Schema extends v.Schema<unknown>, Type> = Same<v.Output<Schema>, Type>;

// A type error here means a field differs between a schema above and its type (runtime/types.ts,
// runtime/state/state.ts): change both, and give a new field a default (see the top of this file).
const mirrors: [
  Mirrors<typeof StateFile, State>,
  Mirrors<typeof CandidateSchema, Candidate>,
  Mirrors<typeof BranchStatusSchema, BranchStatus>,
  Mirrors<typeof GenerationRecordSchema, GenerationRecord>,
  Mirrors<typeof StageRecordSchema, StageRecord>,
  Mirrors<typeof DeploymentRecordSchema, DeploymentRecord>,
  Mirrors<typeof RebootEntrySchema, RebootEntry>,
  Mirrors<typeof RetryStateSchema, RetryState>,
  Mirrors<typeof RebootAttemptSchema, RebootAttempt>,
  Mirrors<typeof HealthSchema, DeploymentHealth>,
  Mirrors<typeof RollbackSchema, RollbackRecord>,
  Mirrors<typeof QuarantineSchema, QuarantineEntry>,
  Mirrors<typeof BootVerificationSchema, BootVerification>,

  Mirrors<typeof RebootLockHoldSchema, RebootLockHold>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true];
void mirrors;
