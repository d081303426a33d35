import test from "ava";
import path from "node:path";
import { fastImport, fastImportStream, filePath, nextCommitStream } from "../../bench/big-repo.js";
import { git } from "../helpers/daemon.js";
import { tempDir } from "../helpers/temp.js";

test("fast-import makes a repository of the asked shape, and one more commit on top", async (t) => {
  const dir = await tempDir(t, "comin-bench-big-");
  const repo = path.join(dir, "big.git");
  await git(dir, ["init", "-q", "--bare", "-b", "main", repo]);

  await fastImport(repo, fastImportStream({ commits: 30, files: 12, filesPerDirectory: 5 }));
  const before = await git(repo, ["rev-parse", "main"]);
  await fastImport(repo, nextCommitStream(30, 12, 5));

  t.is(await git(repo, ["rev-list", "--count", "main"]), "31");
  t.is((await git(repo, ["ls-tree", "-r", "--name-only", "main"])).split("\n").length, 12);
  t.is(await git(repo, ["rev-parse", "main~1"]), before);
  t.deepEqual((await git(repo, ["diff", "--name-only", "main~1", "main"])).split("\n"), [filePath(30 % 12, 5)]);
  t.is((await git(repo, ["ls-tree", "--name-only", "main"])).split("\n").length, 3, "12 files in directories of 5");
});
