/**
 * Schema of reboots: policy, windows, command, and the fleet-wide coordination lock (behaviour
 * §8, §16). Part of the configuration schema (see schema.ts for the conventions).
 */
import { z } from "zod";
import { EtcdPrefix, HttpBaseUrl } from "./fields-external.js";
import { AbsolutePath, ClockTime, count, Day, DAYS, safeName, TimeZone } from "./fields.js";

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

export const EtcdCoordination = z.strictObject({
  /**
   * Client URLs of the etcd v3 cluster (`https://10.0.0.5:2379`), tried in order.
   */
  endpoints: z
    .array(HttpBaseUrl, { error: "expected a list of etcd client URLs" })
    .min(1, { error: "etcd needs at least one endpoint" }),
  /**
   * Key prefix: the lock of a group is the key `<prefix>/<group>`.
   * @default "/comin/reboot-lock"
   */
  prefix: EtcdPrefix.default("/comin/reboot-lock"),
  /**
   * CA certificate (PEM) that the `https://` endpoints' certificates are checked against; `null`
   * uses the system's trusted CAs.
   * @default null
   */
  caFile: AbsolutePath.nullable().default(null),
  /**
   * Client certificate (PEM) for TLS client authentication; set together with `keyFile`.
   * @default null
   */
  certFile: AbsolutePath.nullable().default(null),
  /**
   * Private key (PEM) of `certFile`; read at each connection, never logged.
   * @default null
   */
  keyFile: AbsolutePath.nullable().default(null),
});

export const FleetLockCoordination = z.strictObject({
  /**
   * Base URL of the FleetLock server (Zincati's protocol, e.g. airlock): the agent posts to
   * `<url>/v1/pre-reboot` and `<url>/v1/steady-state`.
   */
  url: HttpBaseUrl,
});

export const RebootCoordination = z.strictObject({
  /**
   * Take the reboot lock in an etcd v3 cluster (compare-and-swap transactions on one key per
   * group). Set exactly one of `etcd` and `fleetLock`.
   * @default null
   */
  etcd: EtcdCoordination.nullable().default(null),
  /**
   * Take the reboot lock from a FleetLock server. Set exactly one of `etcd` and `fleetLock`.
   * @default null
   */
  fleetLock: FleetLockCoordination.nullable().default(null),
  /**
   * Machines of the same group share the slots; machines of different groups never wait for
   * each other.
   * @default "default"
   */
  group: safeName("group name").default("default"),
  /**
   * How many machines of the group may be between "about to reboot" and "back and healthy" at
   * once. etcd only: a FleetLock server owns its slot count, so with `fleetLock` any value other
   * than 1 is refused (set it on the server).
   * @default 1
   */
  slots: count(1, 1000).default(1),
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
  /**
   * Fleet-wide reboot lock: at most `slots` machines of a `group` reboot at once, each holding
   * its slot until it is back and healthy. The lock lives in etcd or a FleetLock server; `null`
   * reboots without asking anyone.
   * @default null
   */
  coordination: RebootCoordination.nullable().default(null),
});
