/**
 * Schema of the git remotes a host polls: URL, credentials, polling and the branches followed.
 * Part of the configuration schema (see schema.ts for the conventions).
 */
import { z } from "zod";
import { AbsolutePath, BranchName, Duration, GitUrl, Operation, safeName } from "./fields.js";

export const RemoteAuth = z.strictObject({
  /**
   * User name sent with the HTTPS token (forges accept any non-empty name with a token).
   * @default "comin"
   */
  username: z.string().min(1).default("comin"),
  /**
   * File holding an HTTPS access token (read at each fetch, whitespace trimmed, never logged and
   * never put on a command line). With an `http://` URL it needs `allowInsecureHttp`.
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
  name: safeName("remote name"),
  /** Git URL: `https://…`, `ssh://…`, `user@host:path`, `file://…` or an absolute path. */
  url: GitUrl,
  /**
   * Credentials for this remote: an HTTPS token file, or an SSH key with a known_hosts file.
   * @default {}
   */
  auth: RemoteAuth.prefault({}),
  /**
   * Accept `auth.tokenFile` with an `http://` URL, although the token then travels in clear to
   * anyone on the network path. Refused otherwise; only for a network you trust (a VPN, a mirror
   * on the same link). `https://` is the real fix.
   * @default false
   */
  allowInsecureHttp: z.boolean().default(false),
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

