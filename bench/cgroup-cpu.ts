/**
 * CPU time of a process and every descendant it ever had, through a cgroup of its own. A server
 * such as `git daemon` forks a process per connection; /proc's cutime misses them (git daemon's
 * children showed no CPU at all there), a cgroup counts them exactly. cgroup v1 (`cpuacct`) and
 * v2 (`cpu.stat`) both work; the cgroup is removed by `remove()` once the process has ended.
 */
import { mkdir, readFile, rmdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { descendants } from "./process-tree.js";

const V1 = "/sys/fs/cgroup/cpuacct";
const V2 = "/sys/fs/cgroup";

export class CgroupError extends Error {
  override readonly name = "CgroupError";
}

export interface CpuCgroup {
  /** CPU time (user + system) of every process that ran in the cgroup, in ms. */
  cpuMs(): Promise<number>;
  /** Removes the cgroup (its processes must have ended). */
  remove(): Promise<void>;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/**
 * Moves `pid` and its descendants into a new cgroup `name`; their later children are born there.
 * (`git daemon` is git's wrapper around the real `git-daemon`, already its child.)
 */
export async function cpuCgroupOf(pid: number, name: string): Promise<CpuCgroup> {
  const v1 = await exists(path.join(V1, "cpuacct.usage"));
  const dir = path.join(v1 ? V1 : V2, name);
  try {
    await mkdir(dir);
    for (const member of [pid, ...(await descendants(pid))]) await writeFile(path.join(dir, v1 ? "tasks" : "cgroup.procs"), `${member}\n`);
  } catch (error) {
    throw new CgroupError(`cannot create the cgroup ${dir} for pid ${pid} (the benchmark needs root and a writable cgroup file system)`, { cause: error });
  }
  return {
    async cpuMs() {
      if (v1) return Number((await readFile(path.join(dir, "cpuacct.usage"), "utf8")).trim()) / 1e6;
      const usage = /^usage_usec (\d+)$/m.exec(await readFile(path.join(dir, "cpu.stat"), "utf8"));
      if (!usage) throw new CgroupError(`no usage_usec in ${dir}/cpu.stat`);
      return Number(usage[1]) / 1000;
    },
    async remove() {
      await rmdir(dir).catch(() => {});
    },
  };
}
