/**
 * Commit objects whose shape could mislead a reader of the gate (behaviour.md §4): signature
 * headers quoted in the message, merges carrying signed tags (mergetag), an `encoding` header and
 * bytes that are no UTF-8, NUL bytes, and good signatures moved onto another commit body. Each one
 * is written with `git hash-object -t commit -w` and verified with real ssh-keygen and gpg; and a
 * replace ref standing a signed commit in for an unsigned one.
 */
import path from "node:path";
import test from "ava";
import { execa } from "execa";
import { gpgSign, header, readCommit, signedWith, sshSign, withHeaders, writeCommit } from "../../helpers/forge.js";
import { tempDir, UpstreamRepo } from "../../helpers/git.js";
import { gitSays, useTestKeys, verifierIn, type Trust } from "../../helpers/trust.js";

const keys = useTestKeys(test);
const bothTrusts = (): Trust => ({ gpgPublicKeyFiles: [keys().alice.publicKeyFile], sshAllowedSignersFile: keys().allowedSigners });
const IDENTITY = "Fleet Admin <admin@example.test> 1700000000 +0000";

async function emptyTree(repo: UpstreamRepo): Promise<string> {
  const raw = await readCommit(repo.dir, await repo.commitTree(null));
  return /^tree (\S+)/.exec(raw)?.[1] ?? "";
}

test("signature headers count only in the header block: one quoted in the message is neither a signature nor a second header", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const quoted = `gpgsig ${await sshSign(keys().bob, "anything")}`;
  const payload = `tree ${await emptyTree(repo)}\nauthor ${IDENTITY}\ncommitter ${IDENTITY}\n\nHow a signed commit looks:\n\n${quoted}\n`;
  const unsigned = await writeCommit(repo.dir, payload);
  const signed = await writeCommit(repo.dir, signedWith(payload, "gpgsig", await sshSign(keys().bob, payload)));
  const under = await verifierIn(t, bothTrusts());

  const verdicts = [await under.verifier.verify(repo.dir, unsigned), await under.verifier.verify(repo.dir, signed)];

  t.deepEqual(verdicts, [
    { ok: false, signedBy: null, reason: "it is not signed" },
    { ok: true, signedBy: "bob@example.test", reason: null },
  ]);
});

test("a merge is judged by its own signature, never by the signed tag of its mergetag header", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const [left, right] = [await repo.commitTree(null, { files: { a: "1" } }), await repo.commitTree(null, { files: { b: "2" } })];
  const tag = `object ${right}\ntype commit\ntag v1\ntagger ${IDENTITY}\n\nrelease v1\ngpgsig is a word in this message\n`;
  const signedTag = `${tag}${await gpgSign(keys().alice, tag)}\n`;
  const tree = /^tree (\S+)/.exec(await readCommit(repo.dir, left))?.[1] ?? "";
  const merge = `tree ${tree}\nparent ${left}\nparent ${right}\nauthor ${IDENTITY}\ncommitter ${IDENTITY}\n${header("mergetag", signedTag)}\nMerge tag v1\n`;
  const unsigned = await writeCommit(repo.dir, merge);
  const signed = await writeCommit(repo.dir, signedWith(merge, "gpgsig", await sshSign(keys().bob, merge)));
  const under = await verifierIn(t, bothTrusts());

  const verdicts = [await under.verifier.verify(repo.dir, unsigned), await under.verifier.verify(repo.dir, signed)];

  t.true((await readCommit(repo.dir, unsigned)).includes("\n gpgsig is a word"), "a continuation line of mergetag starts with gpgsig");
  t.deepEqual(verdicts, [
    { ok: false, signedBy: null, reason: "it is not signed" },
    { ok: true, signedBy: "bob@example.test", reason: null },
  ]);
});

test("an encoding header is part of what is signed: a signed Latin-1 commit is accepted, one added after signing breaks the signature", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const tree = await emptyTree(repo);
  const latin1 = Buffer.from(`tree ${tree}\nauthor ${IDENTITY}\ncommitter ${IDENTITY}\nencoding ISO-8859-1\n\nCaf\u00e9 cr\u00e8me\n`, "latin1");
  const signedLatin1 = Buffer.from(signedWith(latin1.toString("latin1"), "gpgsig", await gpgSign(keys().alice, latin1)), "latin1");
  const payload = `tree ${tree}\nauthor ${IDENTITY}\ncommitter ${IDENTITY}\n\nplain\n`;
  const signed = signedWith(payload, "gpgsig", await gpgSign(keys().alice, payload));
  const reencoded = signed.replace(`committer ${IDENTITY}\n`, `committer ${IDENTITY}\nencoding ISO-8859-1\n`);
  const [good, bad] = [await writeCommit(repo.dir, signedLatin1), await writeCommit(repo.dir, reencoded)];
  const under = await verifierIn(t, bothTrusts());

  const verdicts = [await under.verifier.verify(repo.dir, good), await under.verifier.verify(repo.dir, bad)];

  t.deepEqual(verdicts, [
    { ok: true, signedBy: keys().alice.userId, reason: null },
    { ok: false, signedBy: keys().alice.userId, reason: "its signature is bad" },
  ]);
});

test("a good SSH signature moved onto another body is bad: a changed message, tree or parent, or a NUL byte added", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const parent = await repo.commit("main", { signer: keys().bob });
  const raw = await readCommit(repo.dir, await repo.commit("main", { signer: keys().bob, message: "reviewed", files: { "flake.nix": "reviewed" } }));
  const otherTree = /^tree (\S+)/.exec(await readCommit(repo.dir, await repo.commitTree(null, { files: { "flake.nix": "evil" } })))?.[1] ?? "";
  const moved = [
    raw.replace("\n\nreviewed", "\n\nreviewed, then changed"),
    raw.replace(/^tree \S+/, `tree ${otherTree}`),
    raw.replace(/\nparent \S+/, ""),
    raw.replace("\n\nreviewed", "\n\nreviewed\0"),
  ];
  const shas = await Promise.all(moved.map((object) => writeCommit(repo.dir, object)));
  const under = await verifierIn(t, bothTrusts());

  const verdicts = await Promise.all(shas.map((sha) => under.verifier.verify(repo.dir, sha)));

  t.true(raw.includes(`\nparent ${parent}\n`));
  t.deepEqual(await Promise.all(shas.map(async (sha) => (await gitSays(repo.dir, sha, under)).letter)), ["B", "B", "B", "B"]);
  t.deepEqual(
    verdicts.map((verdict) => [verdict.ok, verdict.reason]),
    Array.from({ length: 4 }, () => [false, "its signature is bad"]),
  );
});

test("continuation lines belong to their header: a signature header continued by unsigned lines is refused", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const payload = `tree ${await emptyTree(repo)}\nauthor ${IDENTITY}\ncommitter ${IDENTITY}\n\ncontinued\n`;
  const signature = await sshSign(keys().bob, payload);
  const sha = await writeCommit(repo.dir, withHeaders(payload, [["gpgsig", `${signature}\ngpgsig-sha256 not a header, a continuation`]]));
  const under = await verifierIn(t, bothTrusts());

  const verdict = await under.verifier.verify(repo.dir, sha);

  t.is((await gitSays(repo.dir, sha, under)).letter, "G", "ssh-keygen ignores what follows the armor");
  t.is(verdict.reason, "its signature header holds more than one armored signature, or text around it");
});

test("a replace ref never lets a signed commit stand in for an unsigned one", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const signed = await repo.commit("main", { signer: keys().bob });
  const unsigned = await repo.commitTree(null, { message: "unsigned" });
  await execa("git", ["replace", unsigned, signed], { cwd: repo.dir, env: { GIT_DIR: repo.dir, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" } });
  const under = await verifierIn(t, bothTrusts());

  const verdict = await under.verifier.verify(repo.dir, unsigned);

  t.is((await gitSays(repo.dir, unsigned, under)).letter, "G", "git honours the replace ref by default");
  t.deepEqual(verdict, { ok: false, signedBy: null, reason: "it is not signed" });
});

test("the gate hands selection the commit object it read, as `git cat-file commit` prints it, once per commit", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const tree = await emptyTree(repo);
  const latin1 = Buffer.from(`tree ${tree}\nauthor ${IDENTITY}\ncommitter ${IDENTITY}\nencoding ISO-8859-1\n\nCaf\u00e9\n\n`, "latin1");
  const signed = await writeCommit(repo.dir, Buffer.from(signedWith(latin1.toString("latin1"), "gpgsig", await gpgSign(keys().alice, latin1)), "latin1"));
  const unsigned = await writeCommit(repo.dir, `tree ${tree}\nauthor ${IDENTITY}\ncommitter ${IDENTITY}\n\nno signature, two newlines at the end\n\n`);
  const under = await verifierIn(t, bothTrusts());
  const given: Record<string, string[]> = { [signed]: [], [unsigned]: [] };

  for (const commit of [signed, unsigned, signed, unsigned]) await under.verifier.verify(repo.dir, commit, (raw) => given[commit]?.push(raw));

  t.deepEqual(given[signed], [await readCommit(repo.dir, signed)]);
  t.deepEqual(given[unsigned], [await readCommit(repo.dir, unsigned)]);
});
