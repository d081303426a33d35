/**
 * The configuration schema: the single source of truth for types, defaults, validation and
 * documentation. The JSDoc text of each key is extracted by scripts/extract-docs.mjs and becomes
 * the NixOS option description, the JSON Schema description, docs/options.md and the editor
 * hover (dsl/input-types.generated.ts). This file holds the top level; the objects are in
 * schema-*.ts and the leaf types in fields*.ts, all re-exported here.
 *
 * Conventions: every object is strict (unknown keys are errors); an optional key documents its
 * `@default`; nested objects use `prefault({})` so that their own defaults apply; a key that is
 * off by default is `nullable().default(null)`.
 */
import { z } from "zod";
import { AbsolutePath, DAYS, HostName, MachineId, Operation } from "./fields.js";
import { Health } from "./schema-health.js";
import { Confirm, Exporter, Paths, Repository, Retention, Retries, Signatures, Timeouts, Webhook } from "./schema-machine.js";
import { Prebuilt } from "./schema-prebuilt.js";
import { Reboot, RebootWindow } from "./schema-reboot.js";
import { Remote } from "./schema-remote.js";

export * from "./fields.js";
export * from "./fields-external.js";
export * from "./schema-health.js";
export * from "./schema-machine.js";
export * from "./schema-prebuilt.js";
export * from "./schema-reboot.js";
export * from "./schema-remote.js";

/** Version of the resolved JSON that `comin generate` writes and `comin run` reads. */
export const SCHEMA_VERSION = 1;

/** Everything one host needs: the fleet-wide keys, each of which a host may override. */
export const HostSettings = z.strictObject({
  /** Git remotes to poll, in priority order (the first one whose main advances wins). */
  remotes: z
    .array(Remote, { error: "expected a list of remotes" })
    .min(1, { error: "at least one remote is required" }),
  /**
   * What the repository contains and where.
   * @default {}
   */
  repository: Repository.prefault({}),
  /**
   * Substitute the systems that CI evaluated, built and published (`comin publish`) instead of
   * evaluating here; `null` evaluates and builds on the machine.
   * @default null
   */
  prebuilt: Prebuilt.nullable().default(null),
  /**
   * Trusted commit signers. With none, commits are not checked.
   * @default {}
   */
  signatures: Signatures.prefault({}),
  /**
   * Time limits of each stage; on expiry the whole process group is killed.
   * @default {}
   */
  timeouts: Timeouts.prefault({}),
  /**
   * Retries of failed evaluations, builds and deployments, with exponential backoff.
   * @default {}
   */
  retries: Retries.prefault({}),
  /**
   * Checks that a deployment must pass after activation, and what a failure does (roll back
   * and quarantine the commit, or report); `null` means a deployment is done when its activation
   * succeeds.
   * @default null
   */
  health: Health.nullable().default(null),
  /**
   * Reboot policy, windows, command and fleet-wide coordination.
   * @default {}
   */
  reboot: Reboot.prefault({}),
  /**
   * Confirmations before building and deploying.
   * @default {}
   */
  confirm: Confirm.prefault({}),
  /**
   * Absolute path of a program run after each deployment (no shell, no arguments), with
   * `COMIN_GIT_SHA`, `COMIN_GIT_REF`, `COMIN_GIT_MSG`, `COMIN_HOSTNAME`, `COMIN_GENERATION`,
   * `COMIN_OPERATION`, `COMIN_STATUS`, `COMIN_ERROR_MSG` and `COMIN_FLAKE_URL` in its environment.
   * @default null
   */
  postDeploymentCommand: AbsolutePath.nullable().default(null),
  /**
   * Prometheus exporter; `null` disables it.
   * @default {}
   */
  exporter: Exporter.nullable().prefault({}),
  /**
   * Webhook listener that triggers fetches; `null` disables it.
   * @default null
   */
  webhook: Webhook.nullable().default(null),
  /**
   * How much deployment history (and how many boot entries) to keep.
   * @default {}
   */
  retention: Retention.prefault({}),
  /**
   * Directory of the agent's state: bare repository, state.json, socket, GC roots.
   * @default "/var/lib/comin"
   */
  stateDir: AbsolutePath.default("/var/lib/comin"),
  /**
   * Locations of system files, for non-standard roots (tests, containers).
   * @default {}
   */
  paths: Paths.prefault({}),
});

/** Keys that only make sense for one machine. */
export const HostOnly = z.strictObject({
  /**
   * Machine id this host's configuration is pinned to (`services.comin.machineId`): only the
   * machine whose /etc/machine-id matches deploys it. Used to move a hostname to new hardware.
   * @default null
   */
  machineId: MachineId.nullable().default(null),
});

/** The resolved configuration of one host: what `comin run` reads. */
export const RuntimeConfig = z.strictObject({
  ...HostSettings.shape,
  ...HostOnly.shape,
  /** Version of this file's format. */
  schemaVersion: z.literal(SCHEMA_VERSION, {
    error: (issue) => `unsupported schemaVersion ${JSON.stringify(issue.input)}: this comin reads version ${SCHEMA_VERSION}`,
  }),
  /** Name of the host: `nixosConfigurations."<hostname>"` is deployed. */
  hostname: HostName,
});

export type RuntimeConfigInput = z.input<typeof RuntimeConfig>;
export type CominConfig = z.output<typeof RuntimeConfig>;
export type RemoteConfig = CominConfig["remotes"][number];
export type OperationName = z.output<typeof Operation>;
export type RebootWindowConfig = z.output<typeof RebootWindow>;
export type DayName = (typeof DAYS)[number];
/** `health` of a resolved configuration: `null`, or the checks and their timing (behaviour §14). */
export type HealthConfig = CominConfig["health"];
/** `prebuilt` of a resolved configuration (behaviour §15). */
export type PrebuiltConfig = CominConfig["prebuilt"];
/** `reboot.coordination` of a resolved configuration (behaviour §16). */
export type RebootCoordinationConfig = CominConfig["reboot"]["coordination"];
