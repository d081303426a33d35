/**
 * A fleet in a lab: one network namespace per machine, each a fake NixOS root built by real Nix
 * (the integration harness's `createMachine`) with its own state directory and machine id, and
 * the real daemon running inside the namespace.
 */
import path from "node:path";
import type { RuntimeConfigInput } from "../dsl/schema.js";
import type { StatusJson } from "../runtime/types.js";
import { createMachine, localRemote, switchCalls, type Machine } from "../test/helpers/daemon.js";
import type { GitServer } from "./git-server.js";
import { Daemon } from "../test/helpers/daemon.js";
import type { LabNode, NetworkLab, Teardown } from "./network-lab.js";

export interface LabMachine {
  machine: Machine;
  node: LabNode;
  daemon: Daemon;
}

export interface MachineOptions {
  /** Node role in the lab; defaults to the hostname (two machines may share a hostname). */
  role?: string;
  /** The machine's `/etc/machine-id`; random by default. */
  machineId?: string;
  /** Runtime config on top of the harness defaults (`createMachine`) and the given remotes. */
  config?: Partial<RuntimeConfigInput>;
  /** Extra environment of the daemon (e.g. a PATH with the process spy first). */
  env?: (role: string) => Promise<Record<string, string>> | Record<string, string>;
}

/**
 * Remote settings for the lab: 1 s polls, and a fetch timeout short enough that a machine whose
 * cable is pulled reports the failed fetch within seconds.
 */
export function labRemote(name: string, server: GitServer, extra: Record<string, unknown> = {}): RuntimeConfigInput["remotes"][number] {
  return localRemote(name, server.url, { timeout: 4, ...extra });
}

/** Creates the machine under `dir`, plugs it into the lab and starts its daemon. */
export async function startMachine(t: Teardown, lab: NetworkLab, dir: string, hostname: string, remotes: RuntimeConfigInput["remotes"], options: MachineOptions = {}): Promise<LabMachine> {
  const role = options.role ?? hostname;
  const machine = await createMachine(path.join(dir, role), hostname, { remotes, ...options.config }, options.machineId ? { machineId: options.machineId } : {});
  const node = await lab.addNode(role);
  const env = options.env ? await options.env(role) : {};
  const daemon = await Daemon.start(t, machine, env, (file, args) => lab.command(node, file, args));
  return { machine, node, daemon };
}

/** Waits, on every machine at once, until `predicate` holds for its status. */
export async function waitForAll(machines: readonly LabMachine[], predicate: (status: StatusJson, machine: LabMachine) => boolean, what: string, timeoutMs = 60_000): Promise<StatusJson[]> {
  return Promise.all(machines.map((m) => m.daemon.waitFor((status) => predicate(status, m), timeoutMs, what)));
}

/** The operations switch-to-configuration was called with on this machine, in order. */
export async function operations(m: LabMachine): Promise<string[]> {
  return (await switchCalls(m.machine)).map(([operation]) => operation);
}

/**
 * Starts one machine per host name with the same remotes, and a `hosts(variant)` that builds the
 * fleet's flake entries for all of them (every machine gets the same variant).
 */
export async function startMachines(t: Teardown, lab: NetworkLab, dir: string, hostnames: readonly string[], remotes: RuntimeConfigInput["remotes"], options: MachineOptions = {}) {
  const machines = await Promise.all(hostnames.map((hostname) => startMachine(t, lab, dir, hostname, remotes, options)));
  const hosts = (variant: string) => Object.fromEntries(machines.map((m) => [m.machine.hostname, m.machine.host({ variant })]));
  return { machines, hosts };
}
