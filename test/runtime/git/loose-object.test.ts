/**
 * Loose objects read without git (runtime/git/loose-object.ts): exactly what `git cat-file`
 * prints, in SHA-1 and SHA-256 repositories; null, so that git is asked, for anything uncertain
 * (packed, missing, not hashing to its name, inflating past the bound); and the candidate ref
 * written the way git writes refs, giving way to a lock git holds.
 */
import test from "ava";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { deflateSync } from "node:zlib";
import { CANDIDATE_REF, pointCandidate } from "../../../runtime/git/candidate.js";
import { readLooseObject, writeLooseRef } from "../../../runtime/git/loose-object.js";
import { git, tempDir } from "../../helpers/git.js";

const IDENTITY = "Fleet Admin <admin@example.test> 1700000000 +0000";

async function bareRepo(t: Parameters<typeof tempDir>[0], format: "sha1" | "sha256" = "sha1"): Promise<string> {
  const dir = path.join(await tempDir(t), "repo.git");
  await git(path.dirname(dir), ["init", "-q", "--bare", `--object-format=${format}`, dir]);
  return dir;
}

async function commitObject(repo: string, message: string): Promise<string> {
  const tree = (await git(repo, ["hash-object", "-t", "tree", "-w", "--stdin"], { input: "" })).trim();
  return (await git(repo, ["hash-object", "-t", "commit", "-w", "--stdin"], { input: `tree ${tree}\nauthor ${IDENTITY}\ncommitter ${IDENTITY}\n\n${message}` })).trim();
}

function objectFile(repo: string, sha: string): string {
  return path.join(repo, "objects", sha.slice(0, 2), sha.slice(2));
}

for (const format of ["sha1", "sha256"] as const) {
  test(`a loose commit reads as git cat-file prints it (${format})`, async (t) => {
    const repo = await bareRepo(t, format);
    const sha = await commitObject(repo, "Caf\u00e9\n\nwith a body and no final newline");

    const loose = await readLooseObject(repo, sha, 1024 * 1024);

    t.is(loose?.type, "commit");
    t.is(loose?.content.toString("utf8"), await git(repo, ["cat-file", "commit", sha]));
    t.is(loose?.size, Number((await git(repo, ["cat-file", "-s", sha])).trim()));
  });
}

test("anything uncertain is null, so that git is asked: packed, missing, another object's bytes, past the bound", async (t) => {
  const repo = await bareRepo(t);
  const packed = await commitObject(repo, "packed\n");
  await git(repo, ["update-ref", "refs/heads/main", packed]);
  await git(repo, ["repack", "-adq"]);
  await git(repo, ["prune-packed"]);
  const other = await commitObject(repo, "other\n");
  const impostor = "1".repeat(40);
  await mkdir(path.dirname(objectFile(repo, impostor)), { recursive: true });
  await writeFile(objectFile(repo, impostor), await readFile(objectFile(repo, other)));
  const bomb = "2".repeat(40);
  await mkdir(path.dirname(objectFile(repo, bomb)), { recursive: true });
  await writeFile(objectFile(repo, bomb), deflateSync(Buffer.concat([Buffer.from("blob 4194304\0"), Buffer.alloc(4 * 1024 * 1024)])));

  t.is(await readLooseObject(repo, packed, 1024 * 1024), null);
  t.is(await readLooseObject(repo, "3".repeat(40), 1024 * 1024), null);
  t.is(await readLooseObject(repo, impostor, 1024 * 1024), null, "bytes that hash to another name");
  t.is(await readLooseObject(repo, bomb, 1024 * 1024), null, "inflates past the bound");
  t.is(await readLooseObject(repo, "../../etc/passwd", 1024 * 1024), null);
  t.not(await readLooseObject(repo, other, 1024 * 1024), null, "ground truth: a loose object reads");
});

test("the candidate ref moves without git for a loose commit, through git for a packed one, and a held lock is left alone", async (t) => {
  const repo = await bareRepo(t);
  const first = await commitObject(repo, "first\n");
  await pointCandidate(repo, first); // the first time through git: HEAD moves to the branch
  const loose = await commitObject(repo, "loose\n");
  await pointCandidate(repo, loose);
  const afterLoose = (await git(repo, ["rev-parse", CANDIDATE_REF])).trim();
  await git(repo, ["repack", "-adq"]);
  await git(repo, ["prune-packed"]);
  await pointCandidate(repo, first);
  const afterPacked = (await git(repo, ["rev-parse", CANDIDATE_REF])).trim();
  await writeFile(path.join(repo, `${CANDIDATE_REF}.lock`), "held by git\n");
  const written = await writeLooseRef(repo, CANDIDATE_REF, loose);

  t.is(afterLoose, loose);
  t.is((await git(repo, ["symbolic-ref", "HEAD"])).trim(), CANDIDATE_REF);
  t.is(afterPacked, first);
  t.false(written);
  t.is(await readFile(path.join(repo, `${CANDIDATE_REF}.lock`), "utf8"), "held by git\n", "another's lock is not removed");
  t.is((await git(repo, ["rev-parse", CANDIDATE_REF])).trim(), first);
});

test.serial("a loose commit moves the candidate ref with no git process at all", async (t) => {
  const repo = await bareRepo(t);
  await pointCandidate(repo, await commitObject(repo, "first\n"));
  const next = await commitObject(repo, "next\n");
  const saved = process.env.PATH;
  process.env.PATH = path.join(repo, "no-such-bin");
  try {
    await pointCandidate(repo, next);
  } finally {
    process.env.PATH = saved;
  }
  t.is((await git(repo, ["rev-parse", CANDIDATE_REF])).trim(), next);
});
