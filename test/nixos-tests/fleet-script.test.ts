/**
 * nixos-tests/lib/fleet.sh, the author's side of the VM tests, run here against real git, Nix
 * (`nix flake lock`), gpg and ssh-keygen: what it does on a git server node in every suite.
 */
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import test, { type ExecutionContext } from "ava";
import { execa, type Result } from "execa";
import { tempDir } from "../helpers/nix.js";
import { REPO_ROOT } from "./evaluate.js";
import { writeExecutable } from "../helpers/temp.js";

const FLEET_SH = path.join(REPO_ROOT, "nixos-tests", "lib", "fleet.sh");

interface Author {
  dir: string;
  worktree: string;
  bare: string;
  source: string;
  fleet(args: string[], env?: Record<string, string>): Promise<Result>;
  /** git in the bare repository (what the agents fetch). */
  bareGit(args: string[]): Promise<string>;
}

/** A fleet source like the suites' (files linked, as in a linkFarm) with three states. */
async function author(t: ExecutionContext): Promise<Author> {
  const dir = await tempDir(t, "comin-vm-author-");
  const source = path.join(dir, "source");
  await mkdir(path.join(source, "states"), { recursive: true });
  await writeFile(path.join(dir, "flake.nix"), "{ outputs = _: { }; }\n");
  await symlink(path.join(dir, "flake.nix"), path.join(source, "flake.nix"));
  for (const state of ["v1", "v2", "v3"]) {
    await writeFile(path.join(source, "states", `${state}.json`), JSON.stringify({ marker: state }));
  }
  const worktree = path.join(dir, "work");
  const bare = path.join(dir, "fleet.git");
  const env = { FLEET_WORKTREE: worktree, FLEET_BARE: bare, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", HOME: dir };
  return {
    dir,
    worktree,
    bare,
    source,
    fleet: (args, extra = {}) => execa("bash", [FLEET_SH, ...args], { env: { ...env, ...extra }, reject: false, stdin: "ignore", timeout: 60_000 }),
    bareGit: async (args) => (await execa("git", ["--git-dir", bare, ...args], { env, stdin: "ignore" })).stdout.trim(),
  };
}

async function succeed(result: Promise<Result>): Promise<string> {
  const done = await result;
  if (done.exitCode !== 0) throw new Error(`fleet.sh failed (${String(done.exitCode)}): ${String(done.stderr)}`);
  return String(done.stdout).trim();
}

test("init makes a repository of real files with the state, locked, pushed as main", async (t) => {
  const fleet = await author(t);

  const c1 = await succeed(fleet.fleet(["init", fleet.source, "v1"]));

  t.regex(c1, /^[0-9a-f]{40}$/, "only the commit id on stdout");
  t.is(await fleet.bareGit(["rev-parse", "refs/heads/main"]), c1);
  const tree = await fleet.bareGit(["ls-tree", "-r", "--format=%(objectmode) %(path)", c1]);
  t.deepEqual(tree.split("\n").sort(), ["100644 flake.nix", "100644 state.json", "100644 states/v1.json", "100644 states/v2.json", "100644 states/v3.json"]);
  t.deepEqual(JSON.parse(await fleet.bareGit(["show", `${c1}:state.json`])), { marker: "v1" });
});

test("init commits the lock file of a flake with inputs", async (t) => {
  const fleet = await author(t);
  const input = path.join(fleet.dir, "input");
  await mkdir(input);
  await writeFile(path.join(input, "flake.nix"), "{ outputs = _: { }; }\n");
  await writeFile(path.join(fleet.dir, "flake.nix"), `{ inputs.dep.url = "path:${input}"; outputs = _: { }; }\n`);

  const c1 = await succeed(fleet.fleet(["init", fleet.source, "v1"]));

  const lock = JSON.parse(await fleet.bareGit(["show", `${c1}:flake.lock`])) as { nodes: Record<string, unknown> };
  t.deepEqual(Object.keys(lock.nodes).sort(), ["dep", "root"]);
});

test("commit makes a child of the base commit with another state, on any branch", async (t) => {
  const fleet = await author(t);
  const c1 = await succeed(fleet.fleet(["init", fleet.source, "v1"]));

  const c2 = await succeed(fleet.fleet(["commit", "main", c1, "v2"]));
  const t1 = await succeed(fleet.fleet(["commit", "testing-web1", c2, "v3"]));

  t.is(await fleet.bareGit(["rev-parse", "refs/heads/main"]), c2);
  t.is(await fleet.bareGit(["rev-parse", "refs/heads/testing-web1"]), t1);
  t.is(await fleet.bareGit(["rev-parse", `${c2}^`]), c1);
  t.is(await fleet.bareGit(["rev-parse", `${t1}^`]), c2);
  t.deepEqual(JSON.parse(await fleet.bareGit(["show", `${c2}:state.json`])), { marker: "v2" });
  t.deepEqual(JSON.parse(await fleet.bareGit(["show", `${t1}:state.json`])), { marker: "v3" });
});

test("commit rewrites a branch only with --force", async (t) => {
  const fleet = await author(t);
  const c1 = await succeed(fleet.fleet(["init", fleet.source, "v1"]));
  const c2 = await succeed(fleet.fleet(["commit", "main", c1, "v2"]));

  const refused = await fleet.fleet(["commit", "main", c1, "v3"]);
  const refusedHead = await fleet.bareGit(["rev-parse", "refs/heads/main"]);
  const f1 = await succeed(fleet.fleet(["commit", "--force", "main", c1, "v3"]));

  t.not(refused.exitCode, 0);
  t.is(refusedHead, c2, "a refused push changes nothing");
  t.is(await fleet.bareGit(["rev-parse", "refs/heads/main"]), f1);
  t.is(await fleet.bareGit(["rev-parse", `${f1}^`]), c1, "a sibling of the previous head");
});

test("reset points a branch at an existing commit", async (t) => {
  const fleet = await author(t);
  const c1 = await succeed(fleet.fleet(["init", fleet.source, "v1"]));
  const c2 = await succeed(fleet.fleet(["commit", "main", c1, "v2"]));
  await succeed(fleet.fleet(["commit", "testing-web1", c2, "v3"]));

  const printed = await succeed(fleet.fleet(["reset", "testing-web1", c2]));

  t.is(printed, c2);
  t.is(await fleet.bareGit(["rev-parse", "refs/heads/testing-web1"]), c2);
});

test("--remote pushes to the named remotes only", async (t) => {
  const fleet = await author(t);
  const c1 = await succeed(fleet.fleet(["init", fleet.source, "v1"]));
  const mirror = path.join(fleet.dir, "mirror.git");
  await execa("git", ["init", "-q", "--bare", mirror]);
  await execa("git", ["-C", fleet.worktree, "remote", "add", "mirror", mirror]);

  await succeed(fleet.fleet(["reset", "--remote", "mirror", "main", c1]));
  const c2 = await succeed(fleet.fleet(["commit", "--remote", "mirror", "main", c1, "v2"]));

  t.is((await execa("git", ["--git-dir", mirror, "rev-parse", "refs/heads/main"])).stdout, c2);
  t.is(await fleet.bareGit(["rev-parse", "refs/heads/main"]), c1, "origin was not pushed to");
});

test("FLEET_SIGN=gpg:<key> signs with that key, through FLEET_GPG_PROGRAM", async (t) => {
  const fleet = await author(t);
  const gnupgHome = path.join(fleet.dir, "gnupg");
  await mkdir(gnupgHome, { mode: 0o700 });
  const gpgEnv = { ...process.env, GNUPGHOME: gnupgHome };
  t.teardown(async () => {
    await execa("gpgconf", ["--kill", "all"], { env: gpgEnv, reject: false });
  });
  await execa("gpg", ["--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", "Fleet Signer <signer@test.invalid>", "ed25519", "sign", "never"], { env: gpgEnv });
  const listing = (await execa("gpg", ["--with-colons", "--list-secret-keys", "signer@test.invalid"], { env: gpgEnv })).stdout;
  const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(listing)?.[1] ?? "";
  const calls = path.join(fleet.dir, "gpg-calls");
  const wrapper = path.join(fleet.dir, "gpg-wrapper");
  await writeExecutable(wrapper, `#!/bin/sh\necho "$@" >> ${calls}\nexec gpg "$@"\n`);

  const c1 = await succeed(fleet.fleet(["init", fleet.source, "v1"], { GNUPGHOME: gnupgHome, FLEET_SIGN: `gpg:${fingerprint}`, FLEET_GPG_PROGRAM: wrapper }));
  const unsigned = await succeed(fleet.fleet(["commit", "main", c1, "v2"], { GNUPGHOME: gnupgHome }));

  const signature = async (commit: string) =>
    (await execa("git", ["--git-dir", fleet.bare, "log", "-1", "--format=%G? %GF", commit], { env: gpgEnv })).stdout.trim();
  t.regex(await signature(c1), new RegExp(`^[GU] ${fingerprint}$`));
  t.is(await signature(unsigned), "N");
  t.regex(await readFile(calls, "utf8"), /-bsau/, "git signed through the wrapper");
});

test("FLEET_SIGN=ssh:<key file> signs with that SSH key", async (t) => {
  const fleet = await author(t);
  const key = path.join(fleet.dir, "signer");
  await execa("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "signer@test.invalid", "-f", key]);
  const publicKey = (await readFile(`${key}.pub`, "utf8")).split(" ").slice(0, 2).join(" ");
  const allowedSigners = path.join(fleet.dir, "allowed_signers");
  await writeFile(allowedSigners, `signer@test.invalid ${publicKey}\n`);

  const c1 = await succeed(fleet.fleet(["init", fleet.source, "v1"], { FLEET_SIGN: `ssh:${key}` }));

  const { stdout } = await execa("git", ["--git-dir", fleet.bare, "-c", `gpg.ssh.allowedSignersFile=${allowedSigners}`, "log", "-1", "--format=%G? %GS", c1]);
  t.is(stdout.trim(), "G signer@test.invalid");
});

test("an unknown state, command or signing method is refused with exit code 2", async (t) => {
  const fleet = await author(t);
  const c1 = await succeed(fleet.fleet(["init", fleet.source, "v1"]));

  const unknownState = await fleet.fleet(["commit", "main", c1, "v9"]);
  const unknownCommand = await fleet.fleet(["push"]);
  const badSign = await fleet.fleet(["commit", "main", c1, "v2"], { FLEET_SIGN: "x509:key" });

  t.is(unknownState.exitCode, 2);
  t.regex(String(unknownState.stderr), /no state 'v9'/);
  t.is(unknownCommand.exitCode, 2);
  t.is(badSign.exitCode, 2);
  t.regex(String(badSign.stderr), /FLEET_SIGN must be/);
  t.is(await fleet.bareGit(["rev-parse", "refs/heads/main"]), c1, "nothing was pushed");
});
