/** The machine a benchmark ran on: results from a different machine are not comparable. */
import os from "node:os";
import { execa } from "execa";

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryMb: number;
  kernel: string;
  node: string;
  nix: string;
  git: string;
  /** 1-minute load average when the run started: other work on the machine makes figures noisy. */
  loadAverageAtStart: number;
}

async function versionOf(file: string): Promise<string> {
  const result = await execa(file, ["--version"], { reject: false, stdin: "ignore" });
  return result.exitCode === 0 ? String(result.stdout).trim().split("\n")[0] ?? "" : `unavailable (${file} --version failed)`;
}

export async function describeMachine(): Promise<MachineInfo> {
  const [nix, git] = await Promise.all([versionOf("nix"), versionOf("git")]);
  return {
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    memoryMb: Math.round(os.totalmem() / 2 ** 20),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    nix,
    git,
    loadAverageAtStart: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}
