/**
 * The configuration schema: the single source of truth for types, defaults, validation and
 * documentation. The JSDoc text of each key is extracted at build time (scripts/extract-docs.mjs)
 * and becomes the NixOS option description, the JSON Schema description and docs/options.md.
 *
 * Conventions: every object is strict (unknown keys are errors); an optional key documents its
 * `@default`; nested objects use `prefault({})` so that their own defaults apply.
 */
import { z } from "zod";
import { DURATION_FORMS, parseDuration } from "./duration.js";
import { closest } from "./issues.js";

/** Version of the resolved JSON that `comin generate` writes and `comin run` reads. */
export const SCHEMA_VERSION = 1;

export const Duration = z
  .union([z.number(), z.string()], { error: `expected a duration: ${DURATION_FORMS}` })
  .transform((value, ctx) => {
    const seconds = parseDuration(value);
    if (seconds === undefined) {
      ctx.issues.push({
        code: "custom",
        input: value,
        message: `invalid duration ${JSON.stringify(value)}: expected ${DURATION_FORMS}`,
      });
      return z.NEVER;
    }
    return seconds;
  });

export const AbsolutePath = z
  .string({ error: "expected an absolute path (a string)" })
  .refine((value) => value.startsWith("/") && !value.includes("\0"), {
    error: (issue) => `expected an absolute path, got ${JSON.stringify(issue.input)}`,
  });

const HOST_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const HOST_NAME = new RegExp(`^(?=.{1,253}$)${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);

export const HostName = z.string().regex(HOST_NAME, {
  error: (issue) =>
    `invalid host name ${JSON.stringify(issue.input)}: expected letters, digits and "-", in dot-separated labels of at most 63 characters`,
});

export const MachineId = z.string().regex(/^[0-9a-f]{32}$/, {
  error: (issue) =>
    `invalid machine id ${JSON.stringify(issue.input)}: expected 32 lowercase hexadecimal characters, as in /etc/machine-id`,
});

/** A whole number of at least `min`, with a message that says what was got. */
export function count(min: number, max = 1_000_000) {
  const error = (issue: { input?: unknown }) => `expected a whole number from ${min} to ${max}, got ${JSON.stringify(issue.input)}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

export const Port = z
  .number({ error: "expected a TCP port number" })
  .int({ error: "expected a whole TCP port number" })
  .min(1, { error: (issue) => `port ${String(issue.input)} is out of range 1-65535` })
  .max(65535, { error: (issue) => `port ${String(issue.input)} is out of range 1-65535` });

/** A git ref component rule set (git check-ref-format), applied after `{hostname}` substitution. */
export function branchNameProblem(name: string): string | undefined {
  if (name === "") return "a branch name cannot be empty";
  if (/[\s~^:?*[\\\x00-\x1f\x7f]/.test(name)) return "contains a space, a control character or one of ~ ^ : ? * [ \\";
  if (name.includes("..")) return 'contains ".."';
  if (name.includes("@{")) return 'contains "@{"';
  if (name === "@") return 'cannot be "@"';
  if (name.startsWith("-") || name.startsWith("/") || name.endsWith("/")) return 'starts with "-" or "/", or ends with "/"';
  if (name.endsWith(".") || name.endsWith(".lock")) return 'ends with "." or ".lock"';
  if (name.includes("//") || name.split("/").some((part) => part.startsWith("."))) return 'has an empty component or one starting with "."';
  return undefined;
}

export const BranchName = z.string().superRefine((name, ctx) => {
  const problem = branchNameProblem(name.replaceAll("{hostname}", "host"));
  if (problem) ctx.addIssue({ code: "custom", message: `invalid branch name ${JSON.stringify(name)}: ${problem}` });
});

export const Operation = z.enum(["switch", "test", "boot"]);

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export const Day = z.enum(DAYS);

export const ClockTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, {
  error: (issue) => `invalid time ${JSON.stringify(issue.input)}: expected HH:MM on a 24-hour clock, from 00:00 to 23:59`,
});

/** IANA time zone names known to this Node.js (its ICU copy of the tz database). */
export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const TimeZone = z.string().refine(isTimeZone, {
  error: (issue) => {
    const suggestion = typeof issue.input === "string" ? closest(issue.input, Intl.supportedValuesOf("timeZone")) : undefined;
    const hint = suggestion ? ` (did you mean "${suggestion}"?)` : "";
    return `unknown time zone ${JSON.stringify(issue.input)}${hint}: expected an IANA name such as "UTC" or "Europe/Paris"`;
  },
});

export const RemoteAuth = z.strictObject({
  /**
   * User name sent with the HTTPS token (forges accept any non-empty name with a token).
   * @default "comin"
   */
  username: z.string().min(1).default("comin"),
  /**
   * File holding an HTTPS access token (read at each fetch, whitespace trimmed, never logged and
   * never put on a command line).
   * @default null
   */
  tokenFile: AbsolutePath.nullable().default(null),
  /**
   * Private SSH key used to fetch `ssh://` and `user@host:path` URLs.
   * @default null
   */
  sshKeyFile: AbsolutePath.nullable().default(null),
  /**
   * known_hosts file used with `sshKeyFile` (host keys are always checked).
   * @default null
   */
  knownHostsFile: AbsolutePath.nullable().default(null),
});

export const MainBranch = z.strictObject({
  /**
   * Name of the main branch on this remote. `{hostname}` is replaced by the host's name.
   * @default "main"
   */
  name: BranchName.default("main"),
  /**
   * Operation used to activate commits of this branch.
   * @default "switch"
   */
  operation: Operation.default("switch"),
  /**
   * Accept a main branch that is not on top of the last accepted commit (a force-push or reset).
   * Off, such a head is refused and the machine keeps its deployment.
   * @default false
   */
  allowForcePush: z.boolean().default(false),
});

export const TestingBranch = z.strictObject({
  /**
   * Name of the testing branch on this remote, or `null` to disable it. `{hostname}` is replaced
   * by the host's name.
   * @default "testing-{hostname}"
   */
  name: BranchName.nullable().default("testing-{hostname}"),
  /**
   * Operation used to activate commits of this branch.
   * @default "test"
   */
  operation: Operation.default("test"),
});

export const Remote = z.strictObject({
  /** Name of the remote (as in `git remote`); it appears in status, metrics and errors. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, {
    error: (issue) =>
      `invalid remote name ${JSON.stringify(issue.input)}: expected letters, digits, ".", "_" and "-", starting with a letter or digit`,
  }),
  /** Git URL: `https://…`, `ssh://…`, `user@host:path`, `file://…` or an absolute path. */
  url: z.string().min(1, { error: "the URL cannot be empty" }),
  /**
   * Credentials for this remote: an HTTPS token file, or an SSH key with a known_hosts file.
   * @default {}
   */
  auth: RemoteAuth.prefault({}),
  /**
   * Time a fetch of this remote may take before git is killed.
   * @default "5m"
   */
  timeout: Duration.default(300),
  /**
   * Automatic polling of this remote.
   * @default {}
   */
  poll: z
    .strictObject({
      /**
       * Time between two fetches of this remote; `0` disables polling (webhooks and
       * `comin fetch` still work).
       * @default "60s"
       */
      interval: Duration.default(60),
      /**
       * Random delay added to each interval, so that a fleet does not fetch all at once.
       * @default "0s"
       */
      jitter: Duration.default(0),
    })
    .prefault({}),
  /**
   * The branches followed on this remote.
   * @default {}
   */
  branches: z
    .strictObject({
      /**
       * The main branch: it may only move forward, and is deployed with `switch` by default.
       * @default {}
       */
      main: MainBranch.prefault({}),
      /**
       * The per-machine testing branch: it must be on top of main, and is deployed with `test` by
       * default (no boot entry).
       * @default {}
       */
      testing: TestingBranch.prefault({}),
    })
    .prefault({}),
});

export const Repository = z.strictObject({
  /**
   * `flake`: the repository is a flake and the host is `nixosConfigurations."<hostname>"`.
   * `nix`: a classic Nix expression, evaluated at `systemAttr`.
   * @default "flake"
   */
  type: z.enum(["flake", "nix"]).default("flake"),
  /**
   * Directory of the repository holding `flake.nix` (or the Nix expression).
   * @default "."
   */
  subdir: z
    .string()
    .refine((value) => !value.startsWith("/") && !value.split("/").includes(".."), {
      error: (issue) => `invalid subdir ${JSON.stringify(issue.input)}: expected a relative path inside the repository, without ".."`,
    })
    .default("."),
  /**
   * Fetch git submodules too.
   * @default false
   */
  submodules: z.boolean().default(false),
  /**
   * For `type = "nix"` only: attribute path of the machine's NixOS system, whose `toplevel`
   * (or `config.system.build.toplevel`) is built, e.g. `machines.web1`. `{hostname}` is replaced.
   * @default null
   */
  systemAttr: z.string().min(1).nullable().default(null),
});

export const Signatures = z.strictObject({
  /**
   * Armored GPG public key files. With any trust configured, only commits signed by one of
   * these keys (or an allowed SSH signer) are ever evaluated.
   * @default []
   */
  gpgPublicKeyFiles: z.array(AbsolutePath).default([]),
  /**
   * An SSH allowed-signers file (see ssh-keygen(1), ALLOWED SIGNERS) trusted for commit signatures.
   * @default null
   */
  sshAllowedSignersFile: AbsolutePath.nullable().default(null),
});

export const Timeouts = z.strictObject({
  /**
   * Time the evaluation of one commit may take.
   * @default "30m"
   */
  eval: Duration.default(1800),
  /**
   * Time the build of one generation may take.
   * @default "2h"
   */
  build: Duration.default(7200),
  /**
   * Time `switch-to-configuration` may take.
   * @default "15m"
   */
  switch: Duration.default(900),
});

export const Retries = z.strictObject({
  /**
   * Attempts per generation for evaluation, build and deployment (1 means no retry).
   * @default 3
   */
  attempts: count(1, 100).default(3),
  /**
   * Delay before the first retry; it doubles at each further attempt.
   * @default "30s"
   */
  backoff: Duration.default(30),
  /**
   * Upper bound of the delay between two attempts.
   * @default "1h"
   */
  maxBackoff: Duration.default(3600),
});

export const RebootWindow = z.strictObject({
  /**
   * Days on which the window opens (the day of `from`).
   * @default ["mon","tue","wed","thu","fri","sat","sun"]
   */
  days: z.array(Day).min(1, { error: "a window needs at least one day" }).default([...DAYS]),
  /** Opening time, `HH:MM`, in `timeZone`. */
  from: ClockTime,
  /** Closing time, `HH:MM`, exclusive; earlier than `from` means the window ends the next day. */
  to: ClockTime,
  /**
   * IANA time zone of `from` and `to`; daylight-saving changes follow its wall clock.
   * @default "UTC"
   */
  timeZone: TimeZone.default("UTC"),
});

export const Reboot = z.strictObject({
  /**
   * What to do when the machine needs a reboot: `never`; `notify` (an event only);
   * `when-needed` (reboot inside a window); `always` (also after every `boot` deployment).
   * @default "notify"
   */
  policy: z.enum(["never", "notify", "when-needed", "always"]).default("notify"),
  /**
   * Windows in which a reboot may happen. Empty means at any time.
   * @default []
   */
  windows: z.array(RebootWindow).default([]),
  /**
   * Command that reboots the machine (no shell).
   * @default ["systemctl","reboot"]
   */
  command: z.array(z.string().min(1)).min(1, { error: "the reboot command cannot be empty" }).default(["systemctl", "reboot"]),
});

export const Confirmation = z.strictObject({
  /**
   * `without`: proceed at once; `manual`: wait for `comin confirmation accept`; `auto`: proceed
   * after `after` unless a newer candidate arrives.
   * @default "without"
   */
  mode: z.enum(["without", "manual", "auto"]).default("without"),
  /**
   * Delay of the `auto` mode.
   * @default "2m"
   */
  after: Duration.default(120),
});

export const Confirm = z.strictObject({
  /**
   * Confirmation before building a generation.
   * @default {}
   */
  build: Confirmation.prefault({}),
  /**
   * Confirmation before deploying a generation.
   * @default {}
   */
  deploy: Confirmation.prefault({}),
});

export const Exporter = z.strictObject({
  /**
   * Address the Prometheus exporter listens on.
   * @default "127.0.0.1"
   */
  listenAddress: z.string().min(1).default("127.0.0.1"),
  /**
   * Port of the Prometheus exporter (`/metrics`).
   * @default 4243
   */
  port: Port.default(4243),
});

export const Webhook = z.strictObject({
  /**
   * Address the webhook listener binds.
   * @default "0.0.0.0"
   */
  listenAddress: z.string().min(1).default("0.0.0.0"),
  /**
   * Port of the webhook listener.
   * @default 4244
   */
  port: Port.default(4244),
  /** File holding the shared secret (GitHub/Gitea HMAC key, GitLab token, generic HMAC key). */
  secretFile: AbsolutePath,
  /**
   * Largest accepted request body, in bytes (larger requests get 413).
   * @default 1048576
   */
  maxBodyBytes: count(1024, 64 * 1024 * 1024).default(1024 * 1024),
});

export const Retention = z.strictObject({
  /**
   * Boot entries (distinct systems deployed with `switch` or `boot`) kept in the comin profile.
   * @default 3
   */
  bootEntries: count(1, 1000).default(3),
  /**
   * Successful deployments kept in the history.
   * @default 3
   */
  successful: count(1, 1000).default(3),
  /**
   * Deployments of any status kept in the history.
   * @default 5
   */
  any: count(1, 1000).default(5),
});

export const Paths = z.strictObject({
  /**
   * File holding this machine's id.
   * @default "/etc/machine-id"
   */
  machineIdFile: AbsolutePath.default("/etc/machine-id"),
  /**
   * Link to the running system.
   * @default "/run/current-system"
   */
  currentSystem: AbsolutePath.default("/run/current-system"),
  /**
   * Link to the system the machine booted.
   * @default "/run/booted-system"
   */
  bootedSystem: AbsolutePath.default("/run/booted-system"),
  /**
   * Nix profile that `switch` and `boot` deployments set (bootloaders list its generations).
   * @default "/nix/var/nix/profiles/system-profiles/comin"
   */
  profile: AbsolutePath.default("/nix/var/nix/profiles/system-profiles/comin"),
  /**
   * Unix socket of the local API; `null` means `<stateDir>/comin.sock`.
   * @default null
   */
  socket: AbsolutePath.nullable().default(null),
  /**
   * systemd unit of the agent, watched for changes to restart itself; `null` disables the check.
   * @default "comin.service"
   */
  systemdUnit: z.string().min(1).nullable().default("comin.service"),
});

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
   * Reboot policy, windows and command.
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

export type HostSettingsInput = z.input<typeof HostSettings>;
export type RuntimeConfigInput = z.input<typeof RuntimeConfig>;
export type CominConfig = z.output<typeof RuntimeConfig>;
export type RemoteConfig = CominConfig["remotes"][number];
export type OperationName = z.output<typeof Operation>;
export type RebootWindowConfig = z.output<typeof RebootWindow>;
export type DayName = (typeof DAYS)[number];
export { DAYS };
