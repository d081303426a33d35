/**
 * A private network for one scenario: a "switch" namespace holding a bridge, and one network
 * namespace per node (git server or machine), each plugged into the bridge by a veth pair.
 * Every interface lives inside namespaces the lab created (the root namespace is never touched),
 * so addresses (10.231.<subnet>.<n>/24) cannot collide with anything outside the lab, and
 * deleting the lab's namespaces removes every veth and the bridge with them.
 *
 * Namespace names are `comin-e2e-<pid>-<random>-<role>`: the pid lets a later run sweep what a
 * crashed run left behind without touching a run that is still alive.
 */
import { randomBytes } from "node:crypto";
import { execa } from "execa";

export const LAB_PREFIX = "comin-e2e-";

/** What a test's `t` offers that the lab uses (ava's ExecutionContext fits). */
export interface Teardown {
  teardown(fn: () => Promise<void> | void): void;
}

/** An `ip` command failed: the lab could not be built, changed or removed. */
export class LabError extends Error {
  override readonly name = "LabError";
}

export interface LabNode {
  /** The node's role in the scenario ("server", "web1"…). */
  role: string;
  /** Its network namespace (run commands in it with `ip netns exec`). */
  netns: string;
  /** Its IPv4 address on the lab's bridge. */
  address: string;
  /** The bridge-side end of its veth pair, in the switch namespace: the node's "cable". */
  cable: string;
}

async function ip(args: readonly string[]): Promise<string> {
  const result = await execa("ip", args, { reject: false, stdin: "ignore" });
  if (result.exitCode !== 0) {
    throw new LabError(`ip ${args.join(" ")} failed (exit ${String(result.exitCode)}): ${result.stderr || result.stdout}`, { cause: result });
  }
  return result.stdout;
}

/** Every network namespace on this machine, by name. */
async function namespaces(): Promise<string[]> {
  const listing = await ip(["netns", "list"]);
  return listing
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter(Boolean);
}

/** Whether `name` is `<prefix><pid>-…` for a pid that no longer runs: something a dead run left. */
export function leftByDeadRun(name: string, prefix = LAB_PREFIX): boolean {
  if (!name.startsWith(prefix)) return false;
  const owner = /^(\d+)-/.exec(name.slice(prefix.length))?.[1];
  return owner !== undefined && !processAlive(Number(owner));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Kills whatever still runs in `netns`, then deletes it. A process left in a namespace keeps it
 * (and its veth) alive after `ip netns del`, so the processes go first.
 */
async function removeNamespace(netns: string): Promise<void> {
  if (!(await namespaces()).includes(netns)) return;
  const pids = await ip(["netns", "pids", netns]);
  for (const pid of pids.split("\n").map(Number).filter((n) => Number.isInteger(n) && n > 0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await ip(["netns", "del", netns]);
}

/**
 * Deletes the namespaces (and their processes) of lab runs whose process has died: names
 * `<prefix><pid>-…` whose pid no longer runs. Namespaces of live runs are left alone.
 */
export async function sweepLeftoverLabs(prefix = LAB_PREFIX): Promise<string[]> {
  const stale = (await namespaces()).filter((name) => leftByDeadRun(name, prefix));
  for (const name of stale) await removeNamespace(name);
  return stale;
}

const liveLabs = new Set<NetworkLab>();

/** Destroys every lab this process (worker) created and has not destroyed yet. */
export async function destroyAllLabs(): Promise<void> {
  for (const lab of [...liveLabs]) await lab.destroy();
}

export class NetworkLab {
  /** Roles taken so far, reserved before any await so that nodes can be added concurrently. */
  private readonly roles: string[] = [];
  private readonly created: string[] = [];
  private destroyed = false;

  private constructor(
    readonly id: string,
    private readonly subnet: number,
  ) {}

  /** Name of the namespace that holds the bridge. */
  get switchNamespace(): string {
    return `${this.id}-switch`;
  }

  /**
   * Creates the switch namespace and its bridge; the lab is destroyed when the test ends. Throws
   * a LabError (never skips) when namespaces cannot be created: the suite needs root and iproute2.
   */
  static async create(t: Teardown): Promise<NetworkLab> {
    const lab = new NetworkLab(`${LAB_PREFIX}${process.pid}-${randomBytes(3).toString("hex")}`, 1 + (randomBytes(1)[0] ?? 0) % 254);
    liveLabs.add(lab);
    t.teardown(() => lab.destroy());
    try {
      await lab.addNamespace(lab.switchNamespace);
    } catch (error) {
      throw new LabError(
        `cannot create a network namespace (${lab.switchNamespace}): the e2e suite needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN) and iproute2`,
        { cause: error },
      );
    }
    await ip(["-n", lab.switchNamespace, "link", "add", "br0", "type", "bridge"]);
    await ip(["-n", lab.switchNamespace, "link", "set", "br0", "up"]);
    return lab;
  }

  private async addNamespace(name: string): Promise<void> {
    await ip(["netns", "add", name]);
    this.created.push(name);
  }

  /** A new namespace for `role`, cabled to the bridge, with loopback up and the next address. */
  async addNode(role: string): Promise<LabNode> {
    if (!/^[a-z0-9-]{1,20}$/.test(role)) throw new LabError(`invalid role ${JSON.stringify(role)}: expected 1-20 of a-z, 0-9, "-"`);
    if (this.roles.includes(role)) throw new LabError(`the lab already has a node ${JSON.stringify(role)}`);
    this.roles.push(role);
    const index = this.roles.length;
    const netns = `${this.id}-${role}`;
    const cable = `v${index}`;
    const address = `10.231.${this.subnet}.${index}`;
    await this.addNamespace(netns);
    // Created inside the switch namespace with its peer sent straight into the node's namespace:
    // no interface ever appears in the root namespace, even for an instant.
    await ip(["-n", this.switchNamespace, "link", "add", cable, "type", "veth", "peer", "name", "eth0", "netns", netns]);
    await ip(["-n", this.switchNamespace, "link", "set", cable, "master", "br0"]);
    await ip(["-n", this.switchNamespace, "link", "set", cable, "up"]);
    await ip(["-n", netns, "link", "set", "lo", "up"]);
    await ip(["-n", netns, "addr", "add", `${address}/24`, "dev", "eth0"]);
    await ip(["-n", netns, "link", "set", "eth0", "up"]);
    return { role, netns, address, cable };
  }

  /** Plugs or unplugs the node's cable (its veth end on the bridge). */
  async setLink(node: LabNode, state: "up" | "down"): Promise<void> {
    await ip(["-n", this.switchNamespace, "link", "set", node.cable, state]);
  }

  /** Command line that runs `file args…` inside the node's namespace. */
  command(node: LabNode, file: string, args: readonly string[]): [string, string[]] {
    return ["ip", ["netns", "exec", node.netns, file, ...args]];
  }

  /** Kills the processes in the lab's namespaces and deletes them (and with them every veth and the bridge). */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    liveLabs.delete(this);
    const failures: unknown[] = [];
    // Nodes first, the switch last: a node's processes go before its namespace.
    for (const name of [...this.created].reverse()) {
      await removeNamespace(name).catch((error: unknown) => failures.push(error));
    }
    if (failures.length > 0) throw new LabError(`could not remove every namespace of ${this.id}`, { cause: failures });
  }
}
