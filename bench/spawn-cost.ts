/**
 * What one child process costs its parent, the largest part of `overheadMs`: the agent starts as
 * many processes per cycle as the shell loop (git fetch, the gate's git, nix eval, nix-store,
 * nix-env, switch-to-configuration), but libuv starts each with fork(), and fork() copies the page
 * tables of the parent's anonymous memory, so a spawn from Node costs more the larger the heap.
 * Measured here: `/bin/true` started and waited for, one after another, by sh, by a bare node
 * process, by a node process grown to the daemon's RssAnon, and by that process through one
 * resident sh (what a spawner would cost).
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);
const SPAWNS = 200;

const NODE_LOOP = `
const { spawn } = require("node:child_process");
const own = Number(/^RssAnon:\\s+(\\d+) kB$/m.exec(require("node:fs").readFileSync("/proc/self/status", "utf8"))[1]) * 1024;
// Up to the target's anonymous memory: a bare node process already holds some.
const ballast = Buffer.alloc(Math.max(0, Number(process.argv[1]) * 1048576 - own), 1);
let once = () => new Promise((r) => spawn("/bin/true", [], { stdio: "ignore" }).on("exit", r));
if (process.argv[2] === "coprocess") {
  // One resident sh starts every child and answers with its exit status: what a spawner would cost.
  const sh = spawn("sh", [], { stdio: ["pipe", "pipe", "ignore"] });
  let waiting = null;
  sh.stdout.on("data", () => { const done = waiting; waiting = null; done?.(); });
  once = () => new Promise((r) => { waiting = r; sh.stdin.write("/bin/true; echo $?\\n"); });
  process.on("exit", () => sh.kill());
}
(async () => {
  for (let i = 0; i < 20; i++) await once();
  const start = performance.now();
  for (let i = 0; i < ${SPAWNS}; i++) await once();
  process.stdout.write(String((performance.now() - start) / ${SPAWNS}) + " " + ballast.length);
  process.exit(0);
})();
`;

export interface SpawnCost {
  /** The daemon's anonymous resident memory (RssAnon) when it was measured. */
  daemonAnonMb: number;
  /** ms per `/bin/true` started by sh. */
  shMs: number;
  /** ms per `/bin/true` started by a bare node process. */
  bareNodeMs: number;
  /** ms per `/bin/true` started by a node process grown to the daemon's RssAnon. */
  nodeAtDaemonSizeMs: number;
  /**
   * The same node process, each `/bin/true` started by one resident sh it writes the command to
   * (and reads the exit status from): what a small resident spawner would cost instead.
   */
  coprocessAtDaemonSizeMs: number;
}

/** RssAnon of `pid` in MiB, from /proc. */
export async function anonMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const match = /^RssAnon:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`no RssAnon in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** ms per spawn from a node process grown to `ballastMb` of anonymous memory (0: as it starts). */
async function nodeMs(ballastMb: number, mode: "direct" | "coprocess" = "direct"): Promise<number> {
  const { stdout } = await run(process.execPath, ["-e", NODE_LOOP, String(ballastMb), mode]);
  return Number(stdout.split(" ")[0]);
}

async function shMs(): Promise<number> {
  const start = performance.now();
  await run("sh", ["-c", `i=0; while [ $i -lt ${SPAWNS} ]; do /bin/true; i=$((i+1)); done`]);
  return (performance.now() - start) / SPAWNS;
}

/** The four costs, next to the daemon's anonymous memory (`pid`). */
export async function measureSpawnCost(pid: number): Promise<SpawnCost> {
  const daemonAnonMb = await anonMb(pid);
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return {
    daemonAnonMb: Math.round(daemonAnonMb * 10) / 10,
    shMs: round(await shMs()),
    bareNodeMs: round(await nodeMs(0)),
    nodeAtDaemonSizeMs: round(await nodeMs(daemonAnonMb)),
    coprocessAtDaemonSizeMs: round(await nodeMs(daemonAnonMb, "coprocess")),
  };
}
