/**
 * Live memory versus garbage. A Node daemon's VmRSS includes garbage V8 has not collected yet
 * and heap it keeps for later, so RSS alone cannot tell a leak from V8's heap sizing. This probe,
 * preloaded into the daemon with `NODE_OPTIONS=--require <file>`, does nothing until it gets
 * SIGUSR2; then it forces a full garbage collection (through the inspector protocol, no
 * `--expose-gc` needed) and prints the process's memory on stderr as one JSON line.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";

const PROBE = `// comin benchmarks: on SIGUSR2, a full GC, then memory on stderr (bench/gc-probe.ts).
const inspector = require("node:inspector");
const session = new inspector.Session();
session.connect();
process.on("SIGUSR2", () => {
  session.post("HeapProfiler.collectGarbage", () => {
    const memory = process.memoryUsage();
    process.stderr.write(JSON.stringify({ gcProbe: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal } }) + "\\n");
  });
});
`;

export interface ProbedMemory {
  rssMb: number;
  heapUsedMb: number;
}

/** Writes the probe under `dir`; returns the NODE_OPTIONS value that loads it. */
export async function installGcProbe(dir: string): Promise<string> {
  const file = path.join(dir, "gc-probe.cjs");
  await writeFile(file, PROBE);
  return `--require ${file}`;
}

/** The probe's reports among a daemon's output lines, in order. */
export function probeReports(lines: readonly string[]): ProbedMemory[] {
  const reports: ProbedMemory[] = [];
  for (const line of lines) {
    if (!line.startsWith('{"gcProbe"')) continue;
    const { gcProbe } = JSON.parse(line) as { gcProbe: { rss: number; heapUsed: number } };
    reports.push({ rssMb: gcProbe.rss / 2 ** 20, heapUsedMb: gcProbe.heapUsed / 2 ** 20 });
  }
  return reports;
}

/** Signals the probe in `pid` and waits (polling, with a deadline) for its report in `lines`. */
export async function probeMemory(pid: number, lines: readonly string[], timeoutMs = 10_000): Promise<ProbedMemory> {
  const before = probeReports(lines).length;
  process.kill(pid, "SIGUSR2");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = probeReports(lines)[before];
    if (report) return report;
    if (Date.now() > deadline) throw new Error(`the GC probe of process ${pid} did not answer within ${timeoutMs} ms (is it preloaded?)`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
