/**
 * Evaluates nixos-tests/ without nixpkgs, through the stand-ins of ./stubs.nix, and lints test
 * scripts with ./lint_test_script.py. Shared by the tests of this folder.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { tempDir, type Teardown } from "../helpers/nix.js";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const TEST_SOURCES = path.join(REPO_ROOT, "test", "nixos-tests");

/** Evaluates a Nix expression (relative paths are the repository's) strictly, as JSON. */
export async function evalJson<T>(expression: string): Promise<T> {
  const { stdout } = await execa("nix-instantiate", ["--eval", "--strict", "--json", "--expr", expression], {
    cwd: REPO_ROOT,
    stdin: "ignore",
    timeout: 60_000,
  });
  return JSON.parse(stdout) as T;
}

export interface SuiteSummary {
  name: string;
  nodes: string[];
  globalTimeout: number | null;
  nodeModulesAreFunctions: boolean;
  testScript: string;
}

/** Every suite of nixos-tests/default.nix, as the stand-in test framework sees it. */
export function evaluateSuites(): Promise<Record<string, SuiteSummary>> {
  return evalJson(`
    let suites = (import ./test/nixos-tests/stubs.nix).suites ./.;
    in builtins.mapAttrs (_: suite: {
      inherit (suite) name nodes globalTimeout nodeModulesAreFunctions testScript;
    }) suites
  `);
}

export interface LintResult {
  exitCode: number | undefined;
  problems: string[];
  stderr: string;
}

/** Runs the driver-like lint on a script; `nodes` become the machine globals. */
export async function lintScript(t: Teardown, script: string, nodes: string[]): Promise<LintResult> {
  const dir = await tempDir(t, "comin-vm-script-");
  const file = path.join(dir, "test-script.py");
  await writeFile(file, script);
  const result = await execa("python3", [path.join(TEST_SOURCES, "lint_test_script.py"), file, ...nodes], {
    reject: false,
    stdin: "ignore",
    timeout: 60_000,
  });
  return { exitCode: result.exitCode, problems: result.stdout.split("\n").filter((line) => line !== ""), stderr: result.stderr };
}
