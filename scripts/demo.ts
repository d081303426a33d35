/**
 * `npm run demo`: the product's main job on a throw-away fleet. It resolves the `single` example,
 * points it at a fresh local fleet repository of test systems (real Nix, no nixpkgs), starts the
 * real daemon in a sandbox root, then pushes a commit on main and one on the testing branch, and
 * shows each deployment as `comin status` reports it. Everything lives in a temporary directory
 * that is removed at the end.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { loadUserConfig } from "../generators/load-config.js";
import { resolveFleet } from "../dsl/resolve.js";
import { formatIssue } from "../dsl/issues.js";
import { buildTestSystem, createMachineRoot, writeTestFlake, type TestHost } from "./lib/test-system.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.resolve(here, "../..");
const cli = path.join(projectRoot, "dist/runtime/cli/main.js");
const exampleFile = path.join(projectRoot, "examples/single/comin.config.ts");

const GIT_ENV = { GIT_AUTHOR_NAME: "Demo", GIT_AUTHOR_EMAIL: "demo@example.org", GIT_COMMITTER_NAME: "Demo", GIT_COMMITTER_EMAIL: "demo@example.org", GIT_CONFIG_NOSYSTEM: "1" };

function say(text: string): void {
  process.stdout.write(`\n\x1b[1m==> ${text}\x1b[0m\n`);
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await execa("git", ["-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false", ...args], { cwd, env: GIT_ENV, stdin: "ignore" })).stdout.trim();
}

async function comin(...args: string[]): Promise<string> {
  const result = await execa(process.execPath, [cli, ...args], { reject: false, stdin: "ignore" });
  return `${result.stdout}${result.stderr ? `\n${result.stderr}` : ""}`.trim();
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), "comin-demo-"));
  let daemon: ReturnType<typeof spawn> | null = null;
  try {
    say(`Resolving ${path.relative(projectRoot, exampleFile)}`);
    const resolution = resolveFleet(await loadUserConfig(exampleFile));
    if (!resolution.ok) throw new Error(resolution.issues.map((issue) => formatIssue(issue, exampleFile)).join("\n"));
    const [hostname, resolved] = Object.entries(resolution.value)[0] ?? [];
    if (!hostname || !resolved) throw new Error("the example declares no host");
    process.stdout.write(`host ${hostname}: ${resolved.remotes.length} remote(s), main "${resolved.remotes[0]?.branches.main.name}", testing "${resolved.remotes[0]?.branches.testing.name}"\n`);

    say("Creating a fleet repository with a test system (real Nix, no nixpkgs)");
    const fleet = path.join(work, "fleet");
    const root = path.join(work, "machine");
    const record = path.join(root, "switch-to-configuration.log");
    await execa("mkdir", ["-p", fleet, root]);
    await writeFile(record, "");
    const initial = await buildTestSystem(root, "initial", { variant: "initial", record, kernel: "k1" });
    const machine = await createMachineRoot(root, { system: initial });
    const host = (variant: string): TestHost => ({ variant, record, currentSystemLink: machine.paths.currentSystem, kernel: "k1" });
    await git(fleet, "init", "-q", "-b", "main");
    const commitOn = async (branch: string, variant: string, message: string) => {
      const exists = await git(fleet, "branch", "--list", branch);
      const hasHead = await git(fleet, "rev-parse", "--verify", "-q", "HEAD").then(() => true, () => false);
      if (hasHead) await git(fleet, "checkout", "-q", ...(exists ? [branch] : ["-b", branch]));
      await writeTestFlake(fleet, { hosts: { [hostname]: host(variant) } });
      await git(fleet, "add", "-A");
      await git(fleet, "commit", "-q", "-m", message);
      return git(fleet, "rev-parse", "HEAD");
    };
    const first = await commitOn("main", "v1", "Initial configuration");

    const configFile = path.join(work, `${hostname}.json`);
    const config = {
      ...resolved,
      remotes: resolved.remotes.map((remote) => ({ ...remote, url: fleet, auth: { ...remote.auth, tokenFile: null, sshKeyFile: null, knownHostsFile: null }, poll: { interval: 1, jitter: 0 } })),
      stateDir: machine.stateDir,
      paths: machine.paths,
      exporter: null,
      webhook: null,
      signatures: { gpgPublicKeyFiles: [], sshAllowedSignersFile: null },
      reboot: { ...resolved.reboot, command: ["/bin/true"] },
      postDeploymentCommand: null,
    };
    await writeFile(configFile, JSON.stringify(config, null, 2));

    say(`Starting the daemon: comin run --config ${path.relative(work, configFile)} (sandbox root ${root})`);
    daemon = spawn(process.execPath, [cli, "run", "--config", configFile], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...GIT_ENV } });
    const logFile = path.join(work, "daemon.log");
    const logLines: string[] = [];
    daemon.stdout?.on("data", (chunk: Buffer) => logLines.push(chunk.toString()));
    daemon.stderr?.on("data", (chunk: Buffer) => logLines.push(chunk.toString()));
    const socket = ["--socket", machine.paths.socket ?? path.join(machine.stateDir, "comin.sock")];

    const waitDeployed = async (commit: string, operation: string) =>
      waitFor(`${operation} of ${commit.slice(0, 8)}`, async () => {
        const out = await execa(process.execPath, [cli, "status", "--json", ...socket], { reject: false, stdin: "ignore" });
        // 1: a problem is shown; the JSON is there all the same.
        if (out.exitCode !== 0 && out.exitCode !== 1) return undefined;
        const status = JSON.parse(out.stdout) as { deployment?: { commit: string; operation: string; status: string } | null };
        const d = status.deployment;
        return d && d.commit === commit && d.operation === operation && d.status === "done" ? true : undefined;
      });

    await waitDeployed(first, "switch");
    say(`main (${first.slice(0, 8)}) deployed with switch`);
    process.stdout.write(`${await comin("status", "--oneline", ...socket)}\n`);

    const second = await commitOn("main", "v2", "Add a service on main");
    say(`Pushed ${second.slice(0, 8)} on main; fetching now (comin fetch --wait)`);
    process.stdout.write(`${await comin("fetch", "--wait", ...socket)}\n`);
    await waitDeployed(second, "switch");
    process.stdout.write(`${await comin("status", "--oneline", ...socket)}\n`);

    const testingBranch = resolved.remotes[0]?.branches.testing.name ?? `testing-${hostname}`;
    const third = await commitOn(testingBranch, "v3", "Try a change on this machine only");
    say(`Pushed ${third.slice(0, 8)} on ${testingBranch}: deployed with test, no boot entry`);
    await waitDeployed(third, "test");
    process.stdout.write(`${await comin("status", ...socket)}\n`);

    say("What the fake switch-to-configuration recorded (operation, system)");
    process.stdout.write(`${(await readFile(record, "utf8")).trim()}\n`);
    say("Deployment history (comin deployment list)");
    process.stdout.write(`${await comin("deployment", "list", ...socket)}\n`);

    say("Stopping the daemon (SIGTERM)");
    const exited = new Promise<number | null>((resolve) => daemon?.on("exit", (code) => resolve(code)));
    daemon.kill("SIGTERM");
    const code = await exited;
    daemon = null;
    await writeFile(logFile, logLines.join(""));
    process.stdout.write(`daemon exited with ${String(code)}; ${logLines.join("").split("\n").filter(Boolean).length} log lines\n`);
    if (code !== 0) throw new Error("the daemon did not stop cleanly");
    say("Demo done");
  } finally {
    if (daemon) daemon.kill("SIGKILL");
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
