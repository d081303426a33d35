#!/usr/bin/env node
/**
 * The hash of the production node_modules that nix/npm-deps.nix fetches, computed on this machine:
 * the same `npm ci` on a copy of package.json + package-lock.json only, the same normalisation
 * (nix/normalise-npm-tree.sh), then `nix hash path`. The Nix build cannot compute it for us (it
 * only checks it), so test/nix/npm-deps-hash.test.ts keeps the committed value honest.
 *
 *   node scripts/npm-deps-hash.mjs           print the hash
 *   node scripts/npm-deps-hash.mjs --check   exit 1 when nix/npm-deps-hash.txt differs from it
 *   node scripts/npm-deps-hash.mjs --write   write it to nix/npm-deps-hash.txt
 */
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { execa } from "execa";

export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const HASH_FILE = "nix/npm-deps-hash.txt";
export const UPDATE_COMMAND = "node scripts/npm-deps-hash.mjs --write";

/**
 * Arguments of `npm`. nix/npm-deps.nix runs exactly `npm <these>` (a test compares them). The
 * install strategy is spelled out because a user's npm configuration could otherwise change the
 * layout of the tree, and so the hash.
 */
export const NPM_CI_ARGS = ["ci", "--omit=dev", "--ignore-scripts", "--install-strategy=hoisted", "--no-audit", "--no-fund"];

export class NpmDepsHashError extends Error {
  name = "NpmDepsHashError";
}

/** Runs a program (no shell) and returns its stdout; any failure throws with its output. */
async function run(file, args, options = {}) {
  const command = [file, ...args].join(" ");
  const result = await execa(file, args, { reject: false, all: true, stdin: "ignore", timeout: 5 * 60_000, ...options });
  if (result.timedOut) throw new NpmDepsHashError(`${command} timed out:\n${result.all}`, { cause: result });
  if (result.exitCode !== 0) {
    const why = result.exitCode === undefined ? `killed by ${result.signal}` : `exit code ${result.exitCode}`;
    throw new NpmDepsHashError(`${command} failed (${why}):\n${result.all}`, { cause: result });
  }
  return result.stdout;
}

/** Installs, normalises and hashes the production dependencies of the project at `root`. */
export async function computeNpmDepsHash(root = REPO_ROOT) {
  const tmp = await mkdtemp(path.join(os.tmpdir(), "comin-npm-deps-"));
  try {
    const work = path.join(tmp, "work");
    // The hashed directory holds node_modules itself, as the derivation's $out does.
    const out = path.join(tmp, "out");
    await mkdir(work);
    await mkdir(out);
    for (const file of ["package.json", "package-lock.json"]) await copyFile(path.join(root, file), path.join(work, file));
    await run("npm", NPM_CI_ARGS, { cwd: work, env: { npm_config_update_notifier: "false" } });
    await run("sh", [path.join(root, "nix/normalise-npm-tree.sh"), path.join(work, "node_modules")]);
    await rename(path.join(work, "node_modules"), path.join(out, "node_modules"));
    const stdout = await run("nix", ["--extra-experimental-features", "nix-command", "hash", "path", "--type", "sha256", "--sri", out]);
    return stdout.trim();
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export async function readCommittedHash(root = REPO_ROOT) {
  return (await readFile(path.join(root, HASH_FILE), "utf8")).trim();
}

export function staleHashMessage(committed, computed) {
  return (
    `${HASH_FILE} is stale: it holds ${committed}, but package-lock.json gives ${computed}.\n` +
    `The Nix package would fail to build (or reuse old dependencies). Update it with: ${UPDATE_COMMAND}`
  );
}

const USAGE = "usage: node scripts/npm-deps-hash.mjs [--check | --write]";

async function main(argv) {
  const mode = argv[0] ?? "--print";
  if (argv.length > 1 || !["--print", "--check", "--write"].includes(mode)) {
    console.error(USAGE);
    return 2;
  }
  const computed = await computeNpmDepsHash();
  if (mode === "--print") {
    console.log(computed);
    return 0;
  }
  if (mode === "--write") {
    await writeFile(path.join(REPO_ROOT, HASH_FILE), `${computed}\n`);
    console.log(`wrote ${computed} to ${HASH_FILE}`);
    return 0;
  }
  const committed = await readCommittedHash();
  if (committed !== computed) {
    console.error(staleHashMessage(committed, computed));
    return 1;
  }
  console.log(`${HASH_FILE} is up to date (${computed})`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2)).catch((error) => {
    console.error(error instanceof Error ? error.message : String(error));
    return 1;
  });
}
