/**
 * The hash that pins the Nix package's node_modules (nix/npm-deps-hash.txt) is the one
 * package-lock.json gives, recomputed here with the fixed-output derivation's own steps
 * (scripts/npm-deps-hash.mjs: the same `npm ci`, the same nix/normalise-npm-tree.sh,
 * `nix hash path`). Nix itself only checks the hash when a user builds the package.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import test from "ava";
import { execa } from "execa";

interface HashScript {
  HASH_FILE: string;
  UPDATE_COMMAND: string;
  NPM_CI_ARGS: readonly string[];
  computeNpmDepsHash(root?: string): Promise<string>;
  readCommittedHash(root?: string): Promise<string>;
  staleHashMessage(committed: string, computed: string): string;
}

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SCRIPT = path.join(REPO_ROOT, "scripts", "npm-deps-hash.mjs");
// A plain .mjs script (runnable without a build), so it is loaded by URL and typed here.
const script = (await import(pathToFileURL(SCRIPT).href)) as HashScript;

test("nix/npm-deps-hash.txt is the hash of package-lock.json's production tree, stable across installs", async (t) => {
  const committed = await script.readCommittedHash();

  // Two independent installs in two temporary directories, one through the script's CLI.
  const [computed, cli] = await Promise.all([
    script.computeNpmDepsHash(),
    execa("node", [SCRIPT, "--check"], { cwd: REPO_ROOT, reject: false, stdin: "ignore", timeout: 5 * 60_000 }),
  ]);

  t.is(computed, committed, script.staleHashMessage(committed, computed));
  t.is(cli.exitCode, 0, cli.stderr);
  t.true(cli.stdout.includes(`up to date (${computed})`), `the second install gave another hash: ${cli.stdout}`);
});

test("the committed hash is one SRI sha256 line", async (t) => {
  const text = await readFile(path.join(REPO_ROOT, script.HASH_FILE), "utf8");

  const lines = text.split("\n").filter((line) => line !== "");

  t.is(lines.length, 1);
  t.regex(lines[0] ?? "", /^sha256-[A-Za-z0-9+/]{43}=$/);
});

test("nix/npm-deps.nix runs the script's npm command, normaliser and hash file", async (t) => {
  const nix = await readFile(path.join(REPO_ROOT, "nix", "npm-deps.nix"), "utf8");

  const command = `npm ${script.NPM_CI_ARGS.join(" ")}\n`;

  t.true(nix.includes(command), `nix/npm-deps.nix must run exactly: ${command}`);
  t.true(nix.includes("sh nix/normalise-npm-tree.sh node_modules\n"));
  t.true(nix.includes(`outputHash = lib.fileContents ./${path.basename(script.HASH_FILE)};`));
  t.true(nix.includes('outputHashMode = "recursive";'));
});

test("a stale hash says how to update it", (t) => {
  const message = script.staleHashMessage("sha256-old", "sha256-new");

  t.true(message.includes("sha256-old") && message.includes("sha256-new"));
  t.true(message.includes(script.UPDATE_COMMAND));
  t.is(script.UPDATE_COMMAND, "node scripts/npm-deps-hash.mjs --write");
});
