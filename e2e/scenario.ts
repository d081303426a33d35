/**
 * What every e2e scenario starts from: a temporary directory, a lab network, git servers in their
 * own namespaces, and the admins' fleet repository. Also the suite-level hooks: sweep what crashed
 * runs left behind before the first test, and destroy this worker's labs after the last one even
 * when a test failed before its own teardown could run.
 */
import { readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestFn } from "ava";
import type { StatusJson } from "../runtime/types.js";
import { FleetRepo, tempDir } from "../test/helpers/daemon.js";
import { GitServer } from "./git-server.js";
import type { Daemon } from "../test/helpers/daemon.js";
import { destroyAllLabs, LAB_PREFIX, leftByDeadRun, NetworkLab, sweepLeftoverLabs, type Teardown } from "./network-lab.js";

export interface Scenario {
  dir: string;
  lab: NetworkLab;
  servers: GitServer[];
  fleet: FleetRepo;
  /** Publishes the fleet repository's branches to every server (stopped ones included). */
  publish(): Promise<void>;
}

/** Removes the temporary directories of dead runs (named `comin-e2e-<pid>-…` like their namespaces). */
export async function sweepLeftoverDirs(): Promise<string[]> {
  const stale = (await readdir(tmpdir())).filter((name) => leftByDeadRun(name));
  await Promise.all(stale.map((name) => rm(path.join(tmpdir(), name), { recursive: true, force: true })));
  return stale;
}

export function registerLabHooks(test: TestFn): void {
  test.before("sweep namespaces and directories left by dead runs", async () => {
    await sweepLeftoverLabs();
    await sweepLeftoverDirs();
  });
  test.after.always("destroy this worker's labs", async () => {
    await destroyAllLabs();
  });
}

/** A lab with `serverCount` git servers (nodes `server-1`, `server-2`…) and an empty fleet repository. */
export async function startScenario(t: Teardown, serverCount = 1): Promise<Scenario> {
  const dir = await tempDir(t, `${LAB_PREFIX}${process.pid}-`);
  const lab = await NetworkLab.create(t);
  const servers = await Promise.all(
    Array.from({ length: serverCount }, async (_, i) => GitServer.start(lab, await lab.addNode(`server-${i + 1}`), path.join(dir, `server-${i + 1}`))),
  );
  const fleet = await FleetRepo.create(path.join(dir, "admin"));
  return {
    dir,
    lab,
    servers,
    fleet,
    publish: async () => {
      for (const server of servers) await server.publish(fleet.dir);
    },
  };
}

/**
 * Waits until the daemon has completed a whole fetch round, selection included, that started
 * after `since` (ms since the epoch), and returns that status. A round's `lastFetch.at` is its
 * end: the round after the first one ending past `since` started past `since`, and `fetching`
 * false means its selection is done too.
 */
export async function waitForRoundAfter(daemon: Daemon, since: number, timeoutMs = 30_000): Promise<StatusJson> {
  const endedAfter = (status: StatusJson, instant: number) => status.remotes.every((remote) => remote.lastFetch !== null && Date.parse(remote.lastFetch.at) > instant);
  const first = await daemon.waitFor((status) => endedAfter(status, since), timeoutMs, "a fetch round ending after the change");
  const firstEnd = Math.max(...first.remotes.map((remote) => Date.parse(remote.lastFetch?.at ?? "")));
  return daemon.waitFor((status) => endedAfter(status, firstEnd) && !status.fetching, timeoutMs, "a whole fetch round started after the change");
}
