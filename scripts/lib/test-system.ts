/**
 * Test systems: flakes (and classic Nix expressions) with NO inputs whose hosts build, with real
 * Nix, a tiny directory that looks like a NixOS system to the agent: an executable
 * `bin/switch-to-configuration` that records its calls (and repoints a current-system link, as
 * NixOS activation does), optional `switch-inhibitors`, and `kernel`/`initrd` links to separate
 * store paths, so that two systems with the same kernel share it as on NixOS. See
 * spec/nix-offline.md: there is no nixpkgs here, so this is the only stand-in in the loop.
 * Used by the tests, the demo and the benchmarks.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readlink, symlink, writeFile, rm } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import type { CominConfig } from "../../dsl/schema.js";

export interface TestHost {
  /** Any text: a different variant gives a different system (out path). */
  variant?: string;
  /** `config.services.comin.machineId`; undefined leaves the option out. */
  machineId?: string | null;
  /** Evaluating the system throws this message. */
  evalError?: string;
  /** Evaluating the system builds (import from derivation) something that sleeps this long first. */
  evalSleepSec?: number;
  /** The builder exits 3 after printing a line on stderr. */
  buildFails?: boolean;
  /** The builder sleeps this long first (preemption, build timeouts). */
  buildSleepSec?: number;
  /** switch-to-configuration records its call, then exits 1. */
  switchFails?: boolean;
  /** switch-to-configuration sleeps this long before doing anything (timeouts, cancels). */
  switchSleepSec?: number;
  /** Contents of the kernel (and initrd) store paths; undefined: the system has no kernel links. */
  kernel?: string;
  /** Absolute path of a file switch-to-configuration appends "<op> <outPath>" lines to. */
  record: string;
  /** Symlink that switch-to-configuration repoints to its system on `switch` and `test`. */
  currentSystemLink?: string;
  /** Written as JSON to `<out>/switch-inhibitors`; undefined: no such file. */
  inhibitors?: Record<string, string>;
  /** Written verbatim to `<out>/switch-inhibitors` instead of `inhibitors` (e.g. invalid JSON). */
  inhibitorsText?: string;
}

export interface TestSystems {
  hosts: Record<string, TestHost>;
}

const NIX_ESCAPES: Record<string, string> = { "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** A one-line Nix string literal: escapes `\`, `"`, `${` and line breaks. */
export function nixString(value: string): string {
  return `"${value.replace(/[\\"\n\r\t]/g, (c) => NIX_ESCAPES[c] ?? c).replace(/\$\{/g, "\\${")}"`;
}

/** A POSIX shell single-quoted word. */
function shellWord(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The Nix system of this machine. A literal, because flakes evaluate in pure mode where
 * `builtins.currentSystem` does not exist.
 */
export function currentNixSystem(): string {
  const arch = ({ x64: "x86_64", arm64: "aarch64", ia32: "i686" } as Record<string, string>)[process.arch] ?? process.arch;
  return `${arch}-${process.platform === "darwin" ? "darwin" : "linux"}`;
}

function switchBody(host: TestHost): string {
  const lines = [`PATH="$PATH:/usr/bin:/bin"`, `op="$1"`];
  if (host.switchSleepSec) lines.push(`sleep ${Number(host.switchSleepSec)}`);
  lines.push(`echo "$op $out" >> ${shellWord(host.record)}`);
  if (host.currentSystemLink) {
    lines.push(`if [ "$op" = switch ] || [ "$op" = test ]; then ln -sfn "$out" ${shellWord(host.currentSystemLink)}; fi`);
  }
  if (host.switchFails) lines.push(`echo "switch-to-configuration: activation failed (test fixture)" >&2`, "exit 1");
  lines.push("exit 0");
  return lines.join("\n");
}

// The builder runs under /bin/sh: busybox in the sandbox (its applets provide mkdir, ln, chmod),
// or the host's shell and coreutils without the sandbox. printf is a builtin in both.
const BUILDER = [
  `if [ -n "$sleep" ]; then sleep "$sleep"; fi`,
  `mkdir -p "$out/bin"`,
  `printf '#!/bin/sh\\nout=%s\\n' "$out" > "$out/bin/switch-to-configuration"`,
  `printf '%s\\n' "$switchBody" >> "$out/bin/switch-to-configuration"`,
  `chmod 755 "$out/bin/switch-to-configuration"`,
  `printf '%s' "$variant" > "$out/variant"`,
  `if [ -n "$inhibitors" ]; then printf '%s' "$inhibitors" > "$out/switch-inhibitors"; fi`,
  `if [ -n "$kernel" ]; then ln -s "$kernel" "$out/kernel"; ln -s "$initrd" "$out/initrd"; fi`,
  `if [ -n "$fail" ]; then echo "builder: failing on purpose (test fixture)" >&2; exit 3; fi`,
].join("\n");

const PRELUDE = `
  system = ${nixString(currentNixSystem())};
  file = name: content: builtins.derivation {
    inherit name system content;
    builder = "/bin/sh";
    PATH = "/usr/bin:/bin";
    args = [ "-c" "printf '%s' \\"$content\\" > \\"$out\\"" ];
  };
  mkSystem = { name, variant, switchBody, inhibitors, kernel, fail, sleep ? "" }: builtins.derivation {
    inherit name system variant switchBody inhibitors fail sleep;
    builder = "/bin/sh";
    PATH = "/usr/bin:/bin";
    kernel = if kernel == null then "" else file "test-kernel" kernel;
    initrd = if kernel == null then "" else file "test-initrd" "initrd for \${kernel}";
    args = [ "-c" ${nixString(BUILDER)} ];
  };`;

function hostExpression(name: string, host: TestHost): string {
  const toplevel =
    host.evalError !== undefined
      ? `throw ${nixString(host.evalError)}`
      : `mkSystem {
        name = ${nixString(`nixos-system-${name}-test`)};
        variant = ${nixString(host.variant ?? "")};
        switchBody = ${nixString(switchBody(host))};
        inhibitors = ${nixString(host.inhibitorsText ?? (host.inhibitors ? JSON.stringify(host.inhibitors) : ""))};
        kernel = ${host.kernel === undefined ? "null" : nixString(host.kernel)};
        fail = ${nixString(host.buildFails ? "1" : "")};${host.buildSleepSec ? `
        sleep = ${nixString(String(Number(host.buildSleepSec)))};` : ""}
      }`;
  const slowEval = host.evalSleepSec
    ? `builtins.seq (builtins.readFile (builtins.derivation { name = "slow-evaluation"; inherit system; builder = "/bin/sh"; PATH = "/usr/bin:/bin"; nonce = ${nixString(host.variant ?? "")}; args = [ "-c" "sleep ${Number(host.evalSleepSec)}; printf x > $out" ]; })) `
    : "";
  const machineId = host.machineId === undefined ? "" : `\n    config.services.comin.machineId = ${host.machineId === null ? "null" : nixString(host.machineId)};`;
  return `  ${nixString(name)} = {
    config.system.build.toplevel = ${slowEval}${toplevel};${machineId}
  };`;
}

function hostsExpression(systems: TestSystems): string {
  return `let${PRELUDE}
in {
${Object.entries(systems.hosts)
  .map(([name, host]) => hostExpression(name, host))
  .join("\n")}
}`;
}

/** Writes `<dir>/flake.nix` with `nixosConfigurations."<host>"` for each host. */
export async function writeTestFlake(dir: string, systems: TestSystems): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, "flake.nix");
  const text = `# Generated by comin's scripts/lib/test-system.ts: a flake with no inputs.
{
  description = "comin test systems";
  outputs = { self }: {
    nixosConfigurations = ${indent(hostsExpression(systems), "    ")};
  };
}
`;
  await writeFile(file, text);
  return file;
}

/** Writes `<dir>/default.nix` with `machines."<host>"` for each host (repository.type = "nix"). */
export async function writeTestNixExpression(dir: string, systems: TestSystems): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, "default.nix");
  await writeFile(file, `# Generated by comin's scripts/lib/test-system.ts.\n{\n  machines = ${indent(hostsExpression(systems), "  ")};\n}\n`);
  return file;
}

function indent(text: string, prefix: string): string {
  return text.replace(/\n/g, `\n${prefix}`);
}

/**
 * Builds one test host outside git (nix-build), with a GC root at `<dir>/<name>-system`.
 * Returns the system's store path.
 */
export async function buildTestSystem(dir: string, name: string, host: TestHost): Promise<string> {
  const exprDir = path.join(dir, `${name}-expression`);
  await writeTestNixExpression(exprDir, { hosts: { [name]: host } });
  const root = path.join(dir, `${name}-system`);
  await execa("nix-build", [exprDir, "-A", `machines.${nixString(name)}.config.system.build.toplevel`, "-o", root], { stdin: "ignore" });
  return readlink(root);
}

export interface MachineRoot {
  root: string;
  /** Paths of a machine inside `root`, for a runtime config (`systemdUnit` null: no systemd here). */
  paths: CominConfig["paths"];
  stateDir: string;
  machineId: string;
}

/**
 * A fake machine under `root`: `run/current-system` and `run/booted-system` pointing at `system`
 * (or `bootedSystem`), `etc/machine-id`, a profile directory, a state directory.
 */
export async function createMachineRoot(
  root: string,
  options: { system: string; bootedSystem?: string; machineId?: string },
): Promise<MachineRoot> {
  const machineId = options.machineId ?? randomBytes(16).toString("hex");
  const stateDir = path.join(root, "var/lib/comin");
  const paths: CominConfig["paths"] = {
    machineIdFile: path.join(root, "etc/machine-id"),
    currentSystem: path.join(root, "run/current-system"),
    bootedSystem: path.join(root, "run/booted-system"),
    profile: path.join(root, "nix/var/nix/profiles/system-profiles/comin"),
    socket: path.join(stateDir, "comin.sock"),
    systemdUnit: null,
  };
  await Promise.all(
    [path.dirname(paths.machineIdFile), path.dirname(paths.currentSystem), path.dirname(paths.profile), stateDir].map((d) =>
      mkdir(d, { recursive: true }),
    ),
  );
  await writeFile(paths.machineIdFile, `${machineId}\n`);
  for (const [link, target] of [
    [paths.currentSystem, options.system],
    [paths.bootedSystem, options.bootedSystem ?? options.system],
  ] as const) {
    await rm(link, { force: true });
    await symlink(target, link);
  }
  return { root, paths, stateDir, machineId };
}
