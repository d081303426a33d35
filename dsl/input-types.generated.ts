// Generated from dsl/schema.ts (its JSDoc and zod schema) by generators/write-generated.ts; do not edit.
/**
 * The documented input types of comin.config.ts: what `defineConfig` takes, key by key, with the
 * same descriptions and defaults as docs/options.md. They equal `z.input` of the schema.
 */

/**
 * A duration: a whole number of seconds, or a string of hours, minutes and seconds in that order
 * (`"90s"`, `"5m"`, `"2h"`, `"1h30m"`).
 */
export type DurationInput = number | string;

/**
 * The fleet-wide keys of comin.config.ts; each may be overridden under `hosts.<name>`.
 */
export interface HostSettingsInput {
  /**
   * Git remotes to poll, in priority order (the first one whose main advances wins).
   */
  remotes: RemoteInput[];
  /**
   * What the repository contains and where.
   * @default {}
   */
  repository?: RepositoryInput;
  /**
   * Substitute the systems that CI evaluated, built and published (`comin publish`) instead of
   * evaluating here; `null` evaluates and builds on the machine.
   * @default null
   */
  prebuilt?: PrebuiltInput | null;
  /**
   * Trusted commit signers. With none, commits are not checked.
   * @default {}
   */
  signatures?: SignaturesInput;
  /**
   * Time limits of each stage; on expiry the whole process group is killed.
   * @default {}
   */
  timeouts?: TimeoutsInput;
  /**
   * Retries of failed evaluations, builds and deployments, with exponential backoff.
   * @default {}
   */
  retries?: RetriesInput;
  /**
   * Checks that a deployment must pass after activation, and what a failure does (roll back and
   * quarantine the commit, or report); `null` means a deployment is done when its activation
   * succeeds.
   * @default null
   */
  health?: HealthInput | null;
  /**
   * Reboot policy, windows, command and fleet-wide coordination.
   * @default {}
   */
  reboot?: RebootInput;
  /**
   * Confirmations before building and deploying.
   * @default {}
   */
  confirm?: ConfirmInput;
  /**
   * Absolute path of a program run after each deployment (no shell, no arguments), with
   * `COMIN_GIT_SHA`, `COMIN_GIT_REF`, `COMIN_GIT_MSG`, `COMIN_HOSTNAME`, `COMIN_GENERATION`,
   * `COMIN_OPERATION`, `COMIN_STATUS`, `COMIN_ERROR_MSG` and `COMIN_FLAKE_URL` in its environment.
   * @default null
   */
  postDeploymentCommand?: string | null;
  /**
   * Prometheus exporter; `null` disables it.
   * @default {}
   */
  exporter?: ExporterInput | null;
  /**
   * Webhook listener that triggers fetches; `null` disables it.
   * @default null
   */
  webhook?: WebhookInput | null;
  /**
   * How much deployment history (and how many boot entries) to keep.
   * @default {}
   */
  retention?: RetentionInput;
  /**
   * Directory of the agent's state: bare repository, state.json, socket, GC roots.
   * @default "/var/lib/comin"
   */
  stateDir?: string;
  /**
   * Locations of system files, for non-standard roots (tests, containers).
   * @default {}
   */
  paths?: PathsInput;
}

/**
 * The keys of `Remote`.
 */
export interface RemoteInput {
  /**
   * Name of the remote (as in `git remote`); it appears in status, metrics and errors.
   */
  name: string;
  /**
   * Git URL: `https://…`, `ssh://…`, `user@host:path`, `file://…` or an absolute path.
   */
  url: string;
  /**
   * Credentials for this remote: an HTTPS token file, or an SSH key with a known_hosts file.
   * @default {}
   */
  auth?: RemoteAuthInput;
  /**
   * Accept `auth.tokenFile` with an `http://` URL, although the token then travels in clear to
   * anyone on the network path. Refused otherwise; only for a network you trust (a VPN, a mirror on
   * the same link). `https://` is the real fix.
   * @default false
   */
  allowInsecureHttp?: boolean;
  /**
   * Time a fetch of this remote may take before git is killed.
   * @default "5m"
   */
  timeout?: DurationInput;
  /**
   * Automatic polling of this remote.
   * @default {}
   */
  poll?: RemotePollInput;
  /**
   * The branches followed on this remote.
   * @default {}
   */
  branches?: RemoteBranchesInput;
}

/**
 * The keys of `RemoteAuth`.
 */
export interface RemoteAuthInput {
  /**
   * User name sent with the HTTPS token (forges accept any non-empty name with a token).
   * @default "comin"
   */
  username?: string;
  /**
   * File holding an HTTPS access token (read at each fetch, whitespace trimmed, never logged and
   * never put on a command line). With an `http://` URL it needs `allowInsecureHttp`.
   * @default null
   */
  tokenFile?: string | null;
  /**
   * Private SSH key used to fetch `ssh://` and `user@host:path` URLs.
   * @default null
   */
  sshKeyFile?: string | null;
  /**
   * known_hosts file used with `sshKeyFile` (host keys are always checked).
   * @default null
   */
  knownHostsFile?: string | null;
}

/**
 * The keys of `RemotePoll`.
 */
export interface RemotePollInput {
  /**
   * Time between two fetches of this remote; `0` disables polling (webhooks and `comin fetch` still
   * work).
   * @default "60s"
   */
  interval?: DurationInput;
  /**
   * Random delay added to each interval, so that a fleet does not fetch all at once.
   * @default "0s"
   */
  jitter?: DurationInput;
}

/**
 * The keys of `RemoteBranches`.
 */
export interface RemoteBranchesInput {
  /**
   * The main branch: it may only move forward, and is deployed with `switch` by default.
   * @default {}
   */
  main?: MainBranchInput;
  /**
   * The per-machine testing branch: it must be on top of main, and is deployed with `test` by
   * default (no boot entry).
   * @default {}
   */
  testing?: TestingBranchInput;
}

/**
 * The keys of `MainBranch`.
 */
export interface MainBranchInput {
  /**
   * Name of the main branch on this remote. `{hostname}` is replaced by the host's name.
   * @default "main"
   */
  name?: string;
  /**
   * Operation used to activate commits of this branch.
   * @default "switch"
   */
  operation?: "switch" | "test" | "boot";
  /**
   * Accept a main branch that is not on top of the last accepted commit (a force-push or reset).
   * Off, such a head is refused and the machine keeps its deployment.
   * @default false
   */
  allowForcePush?: boolean;
}

/**
 * The keys of `TestingBranch`.
 */
export interface TestingBranchInput {
  /**
   * Name of the testing branch on this remote, or `null` to disable it. `{hostname}` is replaced by
   * the host's name.
   * @default "testing-{hostname}"
   */
  name?: string | null;
  /**
   * Operation used to activate commits of this branch.
   * @default "test"
   */
  operation?: "switch" | "test" | "boot";
}

/**
 * The keys of `Repository`.
 */
export interface RepositoryInput {
  /**
   * `flake`: the repository is a flake and the host is `nixosConfigurations."<hostname>"`. `nix`: a
   * classic Nix expression, evaluated at `systemAttr`.
   * @default "flake"
   */
  type?: "flake" | "nix";
  /**
   * Directory of the repository holding `flake.nix` (or the Nix expression).
   * @default "."
   */
  subdir?: string;
  /**
   * Fetch git submodules too.
   * @default false
   */
  submodules?: boolean;
  /**
   * For `type = "nix"` only: attribute path of the machine's NixOS system, whose `toplevel` (or
   * `config.system.build.toplevel`) is built, e.g. `machines.web1`. `{hostname}` is replaced.
   * @default null
   */
  systemAttr?: string | null;
}

/**
 * The keys of `Prebuilt`.
 */
export interface PrebuiltInput {
  /**
   * Binary caches the prebuilt systems are substituted from (any Nix store URI that `comin publish
   * --to` copied them to, e.g. `https://cache.example.org`).
   */
  substituters: string[];
  /**
   * Public keys (`name:base64`, as in `trusted-public-keys`) whose signatures are accepted; a path
   * that none of them signed is refused by Nix.
   */
  trustedPublicKeys: string[];
  /**
   * Git notes ref holding the manifests (`comin publish --notes-ref`), fetched from each remote.
   * @default "refs/notes/comin"
   */
  notesRef?: string;
  /**
   * When the candidate commit has no manifest for this host: `wait` keeps it pending until one is
   * published (re-checked after every fetch); `evaluate` evaluates and builds it here.
   * @default "wait"
   */
  missing?: "wait" | "evaluate";
}

/**
 * The keys of `Signatures`.
 */
export interface SignaturesInput {
  /**
   * Armored GPG public key files. With any trust configured, only commits signed by one of these
   * keys (or an allowed SSH signer) are ever evaluated.
   * @default []
   */
  gpgPublicKeyFiles?: string[];
  /**
   * An SSH allowed-signers file (see ssh-keygen(1), ALLOWED SIGNERS) trusted for commit signatures.
   * @default null
   */
  sshAllowedSignersFile?: string | null;
}

/**
 * The keys of `Timeouts`.
 */
export interface TimeoutsInput {
  /**
   * Time the evaluation of one commit may take.
   * @default "30m"
   */
  eval?: DurationInput;
  /**
   * Time the build of one generation may take.
   * @default "2h"
   */
  build?: DurationInput;
  /**
   * Time `switch-to-configuration` may take.
   * @default "15m"
   */
  switch?: DurationInput;
}

/**
 * The keys of `Retries`.
 */
export interface RetriesInput {
  /**
   * Attempts per generation for evaluation, build and deployment (1 means no retry).
   * @default 3
   */
  attempts?: number;
  /**
   * Delay before the first retry; it doubles at each further attempt.
   * @default "30s"
   */
  backoff?: DurationInput;
  /**
   * Upper bound of the delay between two attempts.
   * @default "1h"
   */
  maxBackoff?: DurationInput;
}

/**
 * The keys of `Health`.
 */
export interface HealthInput {
  /**
   * The checks; all of them must pass in the same round for the deployment to be healthy.
   */
  checks: HealthCheckInput[];
  /**
   * Time between the end of the activation and the first round of checks, for services to start.
   * @default "10s"
   */
  gracePeriod?: DurationInput;
  /**
   * Time between two rounds of checks (at least 1s).
   * @default "5s"
   */
  interval?: DurationInput;
  /**
   * Time after the grace period within which one round must pass, or the deployment is unhealthy.
   * @default "2m"
   */
  timeout?: DurationInput;
  /**
   * What an unhealthy deployment (or a failed activation) does: `rollback` returns to the system
   * that was current before and quarantines the commit; `report` only marks the deployment failed.
   * @default "rollback"
   */
  onFailure?: "rollback" | "report";
}

/**
 * The keys of `HealthCheck`.
 */
export interface HealthCheckInput {
  /**
   * Name of the check, unique in `health.checks`; status, events and the
   * `comin_health_check_failed{check}` metric show it.
   */
  name: string;
  /**
   * Healthy when a GET of `url` answers `expectStatus`. A check sets exactly one of `http`,
   * `systemdUnit`, `noFailedUnits` and `command`.
   * @default null
   */
  http?: HttpCheckInput | null;
  /**
   * Healthy when this systemd unit is active (`systemctl is-active`). A check sets exactly one of
   * `http`, `systemdUnit`, `noFailedUnits` and `command`.
   * @default null
   */
  systemdUnit?: string | null;
  /**
   * `true`: healthy when no systemd unit has failed (`systemctl list-units --state=failed` lists
   * nothing). A check sets exactly one of `http`, `systemdUnit`, `noFailedUnits` and `command`.
   * @default false
   */
  noFailedUnits?: boolean;
  /**
   * Program (absolute path) and arguments, run without a shell, with the `COMIN_*` environment of
   * the post-deployment command; healthy on exit 0, and the tail of its output is the detail. A
   * check sets exactly one of `http`, `systemdUnit`, `noFailedUnits` and `command`.
   * @default null
   */
  command?: string[] | null;
  /**
   * Time one run of this check may take; a run that takes longer fails. At most `health.timeout`.
   * @default "10s"
   */
  timeout?: DurationInput;
}

/**
 * The keys of `HttpCheck`.
 */
export interface HttpCheckInput {
  /**
   * URL fetched with GET (`http://` or `https://`).
   */
  url: string;
  /**
   * HTTP status that means healthy; any other status, or no answer, fails the check.
   * @default 200
   */
  expectStatus?: number;
}

/**
 * The keys of `Reboot`.
 */
export interface RebootInput {
  /**
   * What to do when the machine needs a reboot: `never`; `notify` (an event only); `when-needed`
   * (reboot inside a window); `always` (also after every `boot` deployment).
   * @default "notify"
   */
  policy?: "never" | "notify" | "when-needed" | "always";
  /**
   * Windows in which a reboot may happen. Empty means at any time.
   * @default []
   */
  windows?: RebootWindowInput[];
  /**
   * Command that reboots the machine (no shell).
   * @default ["systemctl","reboot"]
   */
  command?: string[];
  /**
   * Fleet-wide reboot lock: at most `slots` machines of a `group` reboot at once, each holding its
   * slot until it is back and healthy. The lock lives in etcd or a FleetLock server; `null` reboots
   * without asking anyone.
   * @default null
   */
  coordination?: RebootCoordinationInput | null;
}

/**
 * The keys of `RebootWindow`.
 */
export interface RebootWindowInput {
  /**
   * Days on which the window opens (the day of `from`).
   * @default ["mon","tue","wed","thu","fri","sat","sun"]
   */
  days?: ("mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun")[];
  /**
   * Opening time, `HH:MM`, in `timeZone`.
   */
  from: string;
  /**
   * Closing time, `HH:MM`, exclusive; earlier than `from` means the window ends the next day.
   */
  to: string;
  /**
   * IANA time zone of `from` and `to`; daylight-saving changes follow its wall clock.
   * @default "UTC"
   */
  timeZone?: string;
}

/**
 * The keys of `RebootCoordination`.
 */
export interface RebootCoordinationInput {
  /**
   * Take the reboot lock in an etcd v3 cluster (compare-and-swap transactions on one key per
   * group). Set exactly one of `etcd` and `fleetLock`.
   * @default null
   */
  etcd?: EtcdCoordinationInput | null;
  /**
   * Take the reboot lock from a FleetLock server. Set exactly one of `etcd` and `fleetLock`.
   * @default null
   */
  fleetLock?: FleetLockCoordinationInput | null;
  /**
   * Machines of the same group share the slots; machines of different groups never wait for each
   * other.
   * @default "default"
   */
  group?: string;
  /**
   * How many machines of the group may be between "about to reboot" and "back and healthy" at once.
   * etcd only: a FleetLock server owns its slot count, so with `fleetLock` any value other than 1
   * is refused (set it on the server).
   * @default 1
   */
  slots?: number;
}

/**
 * The keys of `EtcdCoordination`.
 */
export interface EtcdCoordinationInput {
  /**
   * Client URLs of the etcd v3 cluster (`https://10.0.0.5:2379`), tried in order.
   */
  endpoints: string[];
  /**
   * Key prefix: the lock of a group is the key `<prefix>/<group>`.
   * @default "/comin/reboot-lock"
   */
  prefix?: string;
  /**
   * CA certificate (PEM) that the `https://` endpoints' certificates are checked against; `null`
   * uses the system's trusted CAs.
   * @default null
   */
  caFile?: string | null;
  /**
   * Client certificate (PEM) for TLS client authentication; set together with `keyFile`.
   * @default null
   */
  certFile?: string | null;
  /**
   * Private key (PEM) of `certFile`; read at each connection, never logged.
   * @default null
   */
  keyFile?: string | null;
}

/**
 * The keys of `FleetLockCoordination`.
 */
export interface FleetLockCoordinationInput {
  /**
   * Base URL of the FleetLock server (Zincati's protocol, e.g. airlock): the agent posts to
   * `<url>/v1/pre-reboot` and `<url>/v1/steady-state`.
   */
  url: string;
}

/**
 * The keys of `Confirm`.
 */
export interface ConfirmInput {
  /**
   * Confirmation before building a generation.
   * @default {}
   */
  build?: ConfirmationInput;
  /**
   * Confirmation before deploying a generation.
   * @default {}
   */
  deploy?: ConfirmationInput;
}

/**
 * The keys of `Confirmation`.
 */
export interface ConfirmationInput {
  /**
   * `without`: proceed at once; `manual`: wait for `comin confirmation accept`; `auto`: proceed
   * after `after` unless a newer candidate arrives.
   * @default "without"
   */
  mode?: "without" | "manual" | "auto";
  /**
   * Delay of the `auto` mode.
   * @default "2m"
   */
  after?: DurationInput;
}

/**
 * The keys of `Exporter`.
 */
export interface ExporterInput {
  /**
   * Address the Prometheus exporter listens on.
   * @default "127.0.0.1"
   */
  listenAddress?: string;
  /**
   * Port of the Prometheus exporter (`/metrics`).
   * @default 4243
   */
  port?: number;
}

/**
 * The keys of `Webhook`.
 */
export interface WebhookInput {
  /**
   * Address the webhook listener binds.
   * @default "0.0.0.0"
   */
  listenAddress?: string;
  /**
   * Port of the webhook listener.
   * @default 4244
   */
  port?: number;
  /**
   * File holding the shared secret (GitHub/Gitea HMAC key, GitLab token, generic HMAC key).
   */
  secretFile: string;
  /**
   * Largest accepted request body, in bytes (larger requests get 413).
   * @default 1048576
   */
  maxBodyBytes?: number;
}

/**
 * The keys of `Retention`.
 */
export interface RetentionInput {
  /**
   * Boot entries (distinct systems deployed with `switch` or `boot`) kept in the comin profile.
   * @default 3
   */
  bootEntries?: number;
  /**
   * Successful deployments kept in the history.
   * @default 3
   */
  successful?: number;
  /**
   * Deployments of any status kept in the history.
   * @default 5
   */
  any?: number;
}

/**
 * The keys of `Paths`.
 */
export interface PathsInput {
  /**
   * File holding this machine's id.
   * @default "/etc/machine-id"
   */
  machineIdFile?: string;
  /**
   * Link to the running system.
   * @default "/run/current-system"
   */
  currentSystem?: string;
  /**
   * Link to the system the machine booted.
   * @default "/run/booted-system"
   */
  bootedSystem?: string;
  /**
   * Nix profile that `switch` and `boot` deployments set (bootloaders list its generations).
   * @default "/nix/var/nix/profiles/system-profiles/comin"
   */
  profile?: string;
  /**
   * Unix socket of the local API; `null` means `<stateDir>/comin.sock`.
   * @default null
   */
  socket?: string | null;
  /**
   * systemd unit of the agent, watched for changes to restart itself; `null` disables the check.
   * @default "comin.service"
   */
  systemdUnit?: string | null;
}

/**
 * Keys that only exist under `hosts.<name>`.
 */
export interface HostOnlyInput {
  /**
   * Machine id this host's configuration is pinned to (`services.comin.machineId`): only the
   * machine whose /etc/machine-id matches deploys it. Used to move a hostname to new hardware.
   * @default null
   */
  machineId?: string | null;
}
