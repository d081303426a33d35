/**
 * Schema of how a machine builds and deploys: repository layout, signature trust, time limits,
 * retries, confirmations, listeners, retention and system paths. Part of the configuration schema
 * (see schema.ts for the conventions).
 */
import { z } from "zod";
import { AbsolutePath, count, Duration, Port, RepositorySubdir } from "./fields.js";

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
  subdir: RepositorySubdir.default("."),
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

