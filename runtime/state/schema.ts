/**
 * The full shape of `state.json` (behaviour.md §9) as a zod schema, mirroring the TypeScript types
 * of the state exactly: `tsc` fails below when a field is added to one and not to the other.
 *
 * Every object is strict, so a key this agent does not know is reported with its path. The store
 * drops such keys (with a warning and a copy of the file) rather than discarding the whole state:
 * a rollback to an older system runs an older agent on a state written by a newer one, and losing
 * the baseline and the history there would be worse than losing fields it cannot use anyway.
 *
 * A field added later needs a `.default()` here (or a new schemaVersion with a migration), so that
 * the files written before it still load.
 */
import { z } from "zod";
import { Operation } from "../../dsl/schema.js";
import { STAGE_STATUSES, STAGES } from "../agent/stages.js";
import { OBJECT_ID } from "../git/object-id.js";
import { HEALTH_STATUSES, ROLLBACK_TRIGGERS, type BootVerification, type BranchStatus, type Candidate, type DeploymentHealth, type DeploymentRecord, type GenerationRecord, type QuarantineEntry, type RebootEntry, type RollbackRecord, type StageRecord } from "../types.js";
import { STATE_VERSION, type RebootAttempt, type RebootLockHold, type RetryState, type State } from "./state.js";

/** A full object id, as git prints it: anything else never came from this agent. */
const CommitId = z.string().regex(OBJECT_ID, "expected a full commit id (40 or 64 lowercase hexadecimal characters)");
const Time = z.iso.datetime();
const StageStatus = z.enum(STAGE_STATUSES);
const RetryStage = z.enum(STAGES);

const BranchStatusSchema = z.strictObject({ name: z.string().nullable(), commit: CommitId.nullable(), error: z.string().nullable() });

const CandidateSchema = z.strictObject({
  commit: CommitId,
  remote: z.string(),
  branch: z.string(),
  isTesting: z.boolean(),
  signed: z.boolean().nullable(),
  signedBy: z.string().nullable(),
  message: z.string().optional(),
});

const StageRecordSchema = z.strictObject({
  status: StageStatus,
  error: z.string().nullable(),
  attempts: z.number().int().nonnegative(),
  startedAt: Time.nullable(),
  endedAt: Time.nullable(),
});

const GenerationRecordSchema = z.strictObject({
  id: z.string(),
  commit: CommitId,
  remote: z.string(),
  branch: z.string(),
  isTesting: z.boolean(),
  message: z.string(),
  flakeUrl: z.string().nullable(),
  drvPath: z.string().nullable(),
  outPath: z.string().nullable(),
  machineId: z.string().nullable(),
  source: z.enum(["local", "prebuilt"]).nullable().default(null),
  prebuiltMiss: z.strictObject({ reason: z.string(), waitingSince: Time.nullable() }).nullable().default(null),
  createdAt: Time,
  operation: Operation,
  eval: StageRecordSchema,
  build: StageRecordSchema,
  deploy: StageRecordSchema.extend({ deploymentId: z.string().nullable() }),
});

const HealthSchema = z.strictObject({
  status: z.enum(HEALTH_STATUSES),
  checks: z.array(z.strictObject({ name: z.string(), ok: z.boolean().nullable(), detail: z.string().nullable() })),
});

const RollbackSchema = z.strictObject({
  trigger: z.enum(ROLLBACK_TRIGGERS),
  to: z.string().nullable(),
  status: z.enum(["running", "done", "failed"]),
  error: z.string().nullable(),
});

const QuarantineSchema = z.strictObject({ commit: CommitId, outPath: z.string().nullable(), reason: z.string(), at: Time });

const BootVerificationSchema = z.strictObject({
  outPath: z.string(),
  status: z.enum(["running", "passed", "failed"]),
  startedAt: Time,
  finishedAt: Time.nullable(),
});

const DeploymentRecordSchema = z.strictObject({
  kind: z.literal("deployment"),
  id: z.string(),
  generationId: z.string().nullable(),
  commit: CommitId.nullable(),
  remote: z.string().nullable(),
  branch: z.string().nullable(),
  message: z.string().nullable(),
  operation: Operation.nullable(),
  operationSubmitted: Operation,
  reason: z.string().nullable(),
  status: z.enum(["running", "verifying", "done", "failed", "skipped", "rolled-back"]),
  outPath: z.string().nullable(),
  profilePath: z.string().nullable(),
  createdAt: Time,
  startedAt: Time.nullable(),
  endedAt: Time.nullable(),
  error: z.string().nullable(),
  // Added with health checks (§14): files written before them load with these defaults.
  previousOutPath: z.string().nullable().default(null),
  health: HealthSchema.default({ status: "skipped", checks: [] }),
  rollback: RollbackSchema.nullable().default(null),
});

const RebootEntrySchema = z.strictObject({
  kind: z.literal("reboot"),
  id: z.string(),
  createdAt: Time,
  reason: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
});

const RetryStateSchema = z.strictObject({ generationId: z.string(), stage: RetryStage, attempt: z.number().int().nonnegative(), dueAt: Time });

const RebootAttemptSchema = z.strictObject({ pair: z.string(), at: Time, ok: z.boolean(), error: z.string().nullable() });

const RebootLockHoldSchema = z.strictObject({
  backend: z.enum(["etcd", "fleetLock"]),
  group: z.string(),
  holder: z.string(),
  takenAt: Time,
  from: z.string().nullable(),
  to: z.string().nullable(),
});

export const StateFile = z.strictObject({
  schemaVersion: z.literal(STATE_VERSION),
  baseline: CommitId.nullable(),
  candidate: CandidateSchema.nullable(),
  branches: z.record(z.string(), z.strictObject({ main: BranchStatusSchema, testing: BranchStatusSchema })),
  lastFetch: z.record(z.string(), z.strictObject({ at: Time, ok: z.boolean(), error: z.string().nullable() })),
  generations: z.array(GenerationRecordSchema),
  deployments: z.array(z.discriminatedUnion("kind", [DeploymentRecordSchema, RebootEntrySchema])),
  suspended: z.boolean(),
  retry: RetryStateSchema.nullable(),
  rebootAttempt: RebootAttemptSchema.nullable(),
  quarantine: z.array(QuarantineSchema).default([]),
  bootVerification: BootVerificationSchema.nullable().default(null),
  // Added with reboot coordination (§16): files written before it load with no slot held.
  rebootLock: RebootLockHoldSchema.nullable().default(null),
});

// ---------------------------------------------------------------- the schema is the types

/** True only when A and B are the same type (optional and readonly modifiers included). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Mirrors<Schema extends z.ZodType, Type> = Same<z.output<Schema>, Type>;

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
