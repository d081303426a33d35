import test from "ava";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { findLockFiles } from "../../bench/git-locks.js";
import { git } from "../helpers/daemon.js";
import { tempDir } from "../helpers/temp.js";

test("a lock left by a killed git is found; a clean repository has none", async (t) => {
  const dir = await tempDir(t, "comin-bench-locks-");
  const repo = path.join(dir, "repository");
  await git(dir, ["init", "-q", "--bare", repo]);
  const clean = await findLockFiles(repo);
  await mkdir(path.join(repo, "refs", "remotes", "origin"), { recursive: true });
  await writeFile(path.join(repo, "refs", "remotes", "origin", "main.lock"), "");

  const locks = await findLockFiles(repo);

  t.deepEqual(clean, []);
  t.deepEqual(locks, [path.join("refs", "remotes", "origin", "main.lock")]);
  t.deepEqual(await findLockFiles(path.join(dir, "missing")), []);
});
