/**
 * The fleet as the benchmarks push to it: a bare repository standing for the forge (the agents'
 * remote) and an admin's working clone that commits flakes of test systems and pushes them, so
 * that "from `git push` returning" is a real push. Commits are SSH-signed when a key is given.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { TestHost } from "../scripts/lib/test-system.js";
import { writeTestFlake } from "../scripts/lib/test-system.js";
import { git } from "../test/helpers/daemon.js";

export interface FleetOptions {
  /** Private SSH key that signs every commit (`gpg.format=ssh`). */
  signingKeyFile?: string;
}

export interface Pushed {
  sha: string;
  /** Date.now() when `git push` returned. */
  pushedAt: number;
}

export class BenchFleet {
  private constructor(
    /** The forge's bare repository: what agents fetch. */
    readonly serverDir: string,
    readonly workDir: string,
    private readonly options: FleetOptions,
  ) {}

  static async create(dir: string, options: FleetOptions = {}): Promise<BenchFleet> {
    const serverDir = path.join(dir, "server.git");
    const workDir = path.join(dir, "work");
    await mkdir(dir, { recursive: true });
    await git(dir, ["init", "-q", "--bare", "-b", "main", serverDir]);
    await git(dir, ["init", "-q", "-b", "main", workDir]);
    await git(workDir, ["remote", "add", "origin", serverDir]);
    return new BenchFleet(serverDir, workDir, options);
  }

  /** Commits a flake of these hosts on main (not pushed); returns the sha. */
  async commit(hosts: Record<string, TestHost>, message: string): Promise<string> {
    await writeTestFlake(this.workDir, { hosts });
    await git(this.workDir, ["add", "-A"]);
    const signing = this.options.signingKeyFile ? ["-c", "gpg.format=ssh", "-c", `user.signingkey=${this.options.signingKeyFile}`] : [];
    await git(this.workDir, [...signing, "commit", "-q", "--allow-empty", ...(signing.length > 0 ? ["-S"] : []), "-m", message]);
    return git(this.workDir, ["rev-parse", "HEAD"]);
  }

  /** `git push origin main`; returns when it returned. */
  async push(): Promise<number> {
    await git(this.workDir, ["push", "-q", "origin", "main"]);
    return Date.now();
  }

  async commitAndPush(hosts: Record<string, TestHost>, message: string): Promise<Pushed> {
    const sha = await this.commit(hosts, message);
    const pushedAt = await this.push();
    return { sha, pushedAt };
  }
}
