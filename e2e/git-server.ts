/**
 * A forge for the lab: a real `git daemon` in its own network namespace, serving the fleet's bare
 * repository on `git://<node address>:9418/fleet.git`. The admins publish to it through the file
 * system (a push of every branch), as a forge's own storage would receive it.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { git } from "../test/helpers/daemon.js";
import { waitFor } from "../test/helpers/git.js";
import { LabError, type LabNode, type NetworkLab } from "./network-lab.js";

const GIT_PORT = 9418;
const REPOSITORY = "fleet.git";

export class GitServer {
  private process: ResultPromise | null = null;

  private constructor(
    private readonly lab: NetworkLab,
    readonly node: LabNode,
    /** The directory `git daemon` serves (its base path). */
    readonly basePath: string,
  ) {}

  /** Creates an empty bare `fleet.git` under `basePath`, starts serving it, and waits until it answers. */
  static async start(lab: NetworkLab, node: LabNode, basePath: string): Promise<GitServer> {
    const server = new GitServer(lab, node, basePath);
    await mkdir(server.repository, { recursive: true });
    await git(server.repository, ["init", "-q", "--bare", "--template=", "."]);
    await server.resume();
    return server;
  }

  /** Where the bare repository lives on disk. */
  get repository(): string {
    return path.join(this.basePath, REPOSITORY);
  }

  /** The pid of `git daemon` while it runs (`ip netns exec` execs it). */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** The URL the machines fetch from. */
  get url(): string {
    return `git://${this.node.address}/${REPOSITORY}`;
  }

  /**
   * Publishes every branch of the admin's `workTree`, creations, fast-forwards, force-pushes and
   * deletions alike: the server's branches become exactly the work tree's.
   */
  async publish(workTree: string): Promise<void> {
    await git(workTree, ["push", "-q", "--force", "--prune", this.repository, "+refs/heads/*:refs/heads/*"]);
  }

  /**
   * Sends the objects of the work tree's `branch` ahead of time, under a ref the machines do not
   * fetch (they follow `refs/heads/*` only), so that `moveBranch` can later publish any of its
   * commits with a ref update alone.
   */
  async preload(workTree: string, branch: string): Promise<void> {
    await git(workTree, ["push", "-q", "--force", this.repository, `+refs/heads/${branch}:refs/preload/${branch}`]);
  }

  /** Points the server's `branch` at `commit` (already on the server): the ref update of a push. */
  async moveBranch(branch: string, commit: string): Promise<void> {
    await git(this.repository, ["update-ref", `refs/heads/${branch}`, commit]);
  }

  /** Starts the daemon (again) and waits until it serves the repository on the lab network. */
  async resume(): Promise<void> {
    if (this.process !== null) return;
    const [file, args] = this.lab.command(this.node, "git", [
      "daemon",
      "--reuseaddr",
      "--export-all",
      "--informative-errors",
      `--base-path=${this.basePath}`,
      `--listen=${this.node.address}`,
      `--port=${GIT_PORT}`,
      this.basePath,
    ]);
    // Its own process group: git daemon serves each connection in a child, which must stop with it.
    const running = execa(file, args, { detached: true, reject: false, stdin: "ignore", stdout: "ignore", stderr: "ignore", env: { GIT_CONFIG_NOSYSTEM: "1" } });
    this.process = running;
    let exited = false;
    void running.then(() => (exited = true));
    await waitFor(
      async () => {
        if (exited) throw new LabError(`git daemon exited at once in ${this.node.netns}`);
        return (await this.probe()) === 0;
      },
      { timeoutMs: 15_000, intervalMs: 50, message: `git daemon did not serve ${this.url} within 15 s` },
    );
  }

  /** Stops the daemon and its connection children: the node still answers, nothing serves git. */
  async stop(): Promise<void> {
    const running = this.process;
    this.process = null;
    if (running === null) return;
    if (running.pid !== undefined) {
      try {
        process.kill(-running.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await running;
    if ((await this.probe()) === 0) throw new LabError(`${this.url} still answers after its git daemon was stopped`);
  }

  /** Exit code of `git ls-remote` of the repository, run on the server node itself. */
  private async probe(): Promise<number | undefined> {
    const [file, args] = this.lab.command(this.node, "git", ["ls-remote", this.url]);
    return (await execa(file, args, { reject: false, stdin: "ignore", timeout: 5_000 })).exitCode;
  }
}
