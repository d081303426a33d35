/**
 * The physical floor a user would otherwise run: the classic pull-deploy shell loop, one
 * iteration, on the same repository and the same kind of commit as the agent. It runs the same
 * tools back to back and nothing else: git fetch, git verify-commit (when signing), ONE nix eval,
 * nix-store --realise, nix-env --set, switch-to-configuration. It is a shell script on purpose:
 * that is what the agent is compared with (the agent itself never uses a shell).
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { GIT_ENV, git } from "../test/helpers/daemon.js";
import { writeExecutable } from "../test/helpers/temp.js";

export const BASELINE_SCRIPT = `#!/bin/sh
# usage: deploy.sh <bare repo> <host> <profile> <allowed signers file or "">
set -eu
repo=$1 host=$2 profile=$3 signers=$4
git --git-dir="$repo" fetch --quiet --prune --no-tags origin '+refs/heads/*:refs/remotes/origin/*'
rev=$(git --git-dir="$repo" rev-parse refs/remotes/origin/main)
if [ -n "$signers" ]; then
  git --git-dir="$repo" -c gpg.ssh.allowedSignersFile="$signers" verify-commit "$rev"
fi
drv=$(nix --extra-experimental-features 'nix-command flakes' eval --raw \\
  "git+file://$repo?dir=.&ref=refs/remotes/origin/main&rev=$rev#nixosConfigurations.\\"$host\\".config.system.build.toplevel.drvPath")
out=$(nix-store --realise "$drv")
nix-env --profile "$profile" --set "$out"
"$out/bin/switch-to-configuration" switch
`;

export interface Baseline {
  script: string;
  repo: string;
}

export class BaselineError extends Error {
  override readonly name = "BaselineError";
}

/** Writes the script and a bare repository with `origin` = `remoteUrl`, like the agent's own. */
export async function prepareBaseline(dir: string, remoteUrl: string): Promise<Baseline> {
  await mkdir(dir, { recursive: true });
  const script = path.join(dir, "deploy.sh");
  // Through install(1), so that no descriptor of this process is open on it when it runs (ETXTBSY).
  await writeExecutable(script, BASELINE_SCRIPT);
  const repo = path.join(dir, "repository");
  await git(dir, ["init", "-q", "--bare", repo]);
  await git(repo, ["remote", "add", "origin", remoteUrl]);
  return { script, repo };
}

/** Runs one iteration; returns Date.now() just before it started. Throws if it failed. */
export async function runBaseline(baseline: Baseline, args: { host: string; profile: string; allowedSignersFile: string | null }): Promise<number> {
  const startedAt = Date.now();
  const result = await execa(baseline.script, [baseline.repo, args.host, args.profile, args.allowedSignersFile ?? ""], {
    // The daemon's environment (same HOME, hence the same Nix caches), as Daemon.start gives it.
    env: { ...process.env, ...GIT_ENV },
    stdin: "ignore",
    reject: false,
  });
  if (result.exitCode !== 0) {
    throw new BaselineError(`the baseline shell loop failed (exit ${String(result.exitCode)}): ${String(result.stderr).slice(-2000)}`, { cause: result });
  }
  return startedAt;
}
