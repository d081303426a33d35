/**
 * Hostile commit objects against the signature gate (behaviour.md §4), each crafted with
 * `git hash-object -t commit -w` in a real repository and verified with real gpg and ssh-keygen:
 * several signature headers, a header of the other hash algorithm, SHA-256 repositories, armor
 * around a signature, and objects too large to be verified.
 */
import path from "node:path";
import test from "ava";
import { DECOY_PGP_SIGNATURE, gpgSign, readCommit, signedWith, sshSign, withHeaders, writeCommit } from "../../helpers/forge.js";
import { tempDir, UpstreamRepo } from "../../helpers/git.js";
import { gitSays, useTestKeys, verifierIn, type Trust } from "../../helpers/trust.js";

const keys = useTestKeys(test);
const gpgTrust = (): Trust => ({ gpgPublicKeyFiles: [keys().alice.publicKeyFile], sshAllowedSignersFile: null });
const sshTrust = (): Trust => ({ gpgPublicKeyFiles: [], sshAllowedSignersFile: keys().allowedSigners });
const bothTrusts = (): Trust => ({ gpgPublicKeyFiles: [keys().alice.publicKeyFile], sshAllowedSignersFile: keys().allowedSigners });

async function unsignedCommit(repo: UpstreamRepo, message = "forged"): Promise<string> {
  return readCommit(repo.dir, await repo.commitTree(null, { message, files: { "flake.nix": message } }));
}

/** The reported forgery: a decoy PGP block in gpgsig-sha256, then an SSH signature by a throw-away key in gpgsig. */
async function forgery(repo: UpstreamRepo): Promise<string> {
  const payload = await unsignedCommit(repo);
  const ssh = await sshSign(keys().eve, payload);
  return writeCommit(repo.dir, withHeaders(payload, [["gpgsig-sha256", DECOY_PGP_SIGNATURE], ["gpgsig", ssh]]));
}

for (const [mode, trust] of [["GPG keys", gpgTrust], ["an SSH allowed-signers file", sshTrust]] as const) {
  test(`forgery: a decoy PGP header before an SSH signature by an unknown key is refused (trust: ${mode})`, async (t) => {
    const dir = await tempDir(t);
    const repo = await UpstreamRepo.create(path.join(dir, "repo"));
    const sha = await forgery(repo);
    const under = await verifierIn(t, trust());

    const verdict = await under.verifier.verify(repo.dir, sha);

    t.is((await gitSays(repo.dir, sha, under)).letter, "U", "git itself answers U: good signature, unknown key");
    t.deepEqual(verdict, { ok: false, signedBy: null, reason: 'it carries 2 signature headers ("gpgsig-sha256", "gpgsig"); exactly one is allowed' });
  });
}

test("two signature headers are refused even when each holds a good signature by a trusted key", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const payload = await unsignedCommit(repo);
  const sha = await writeCommit(repo.dir, withHeaders(payload, [["gpgsig", await gpgSign(keys().alice, payload)], ["gpgsig-sha256", await sshSign(keys().bob, payload)]]));
  const under = await verifierIn(t, bothTrusts());

  const verdict = await under.verifier.verify(repo.dir, sha);

  t.is((await gitSays(repo.dir, sha, under)).letter, "G");
  t.deepEqual(verdict, { ok: false, signedBy: null, reason: 'it carries 2 signature headers ("gpgsig", "gpgsig-sha256"); exactly one is allowed' });
});

test("two gpgsig headers are refused: git would verify their concatenation", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const payload = await unsignedCommit(repo);
  const sha = await writeCommit(repo.dir, withHeaders(payload, [["gpgsig", await gpgSign(keys().alice, payload)], ["gpgsig", await sshSign(keys().eve, payload)]]));
  const under = await verifierIn(t, bothTrusts());

  const verdict = await under.verifier.verify(repo.dir, sha);

  t.is((await gitSays(repo.dir, sha, under)).letter, "G", "gpg reads the first block and ignores the rest");
  t.is(verdict.reason, 'it carries 2 signature headers ("gpgsig", "gpgsig"); exactly one is allowed');
});

test("a header outside git's signed payload is refused: gpgsig followed by NUL, or any other gpgsig* name", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const payload = await unsignedCommit(repo);
  const signature = await sshSign(keys().bob, payload);
  const hidden = await writeCommit(repo.dir, withHeaders(payload, [["gpgsig", signature], ["gpgsig\0", "unsigned text"]]));
  const renamed = await writeCommit(repo.dir, withHeaders(payload, [["gpgsigx", "unsigned text"], ["gpgsig", signature]]));
  const under = await verifierIn(t, sshTrust());

  const verdicts = [await under.verifier.verify(repo.dir, hidden), await under.verifier.verify(repo.dir, renamed)];

  t.is((await gitSays(repo.dir, hidden, under)).letter, "G", "git leaves every gpgsig* header out of the payload");
  t.is((await gitSays(repo.dir, renamed, under)).letter, "G");
  t.deepEqual(
    verdicts.map((verdict) => verdict.reason),
    ['it carries 2 signature headers ("gpgsig", "gpgsig\\u0000"); exactly one is allowed', 'it carries 2 signature headers ("gpgsigx", "gpgsig"); exactly one is allowed'],
  );
});

test("SHA-1 repository: a signature in gpgsig-sha256 is refused, git does not verify it", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const payload = await unsignedCommit(repo);
  const sha = await writeCommit(repo.dir, signedWith(payload, "gpgsig-sha256", await gpgSign(keys().alice, payload)));
  const under = await verifierIn(t, gpgTrust());

  const verdict = await under.verifier.verify(repo.dir, sha);

  t.is((await gitSays(repo.dir, sha, under)).letter, "N");
  t.is(verdict.reason, 'its signature header "gpgsig-sha256" is not the one git verifies in a SHA-1 repository (gpgsig)');
});

test("SHA-256 repository: a commit signed in gpgsig-sha256 is accepted, one signed in gpgsig is refused", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"), { objectFormat: "sha256" });
  const signed = await repo.commit("main", { signer: keys().bob });
  const payload = await unsignedCommit(repo);
  const wrongHeader = await writeCommit(repo.dir, signedWith(payload, "gpgsig", await sshSign(keys().bob, payload)));
  const under = await verifierIn(t, sshTrust());

  const accepted = await under.verifier.verify(repo.dir, signed);
  const refused = await under.verifier.verify(repo.dir, wrongHeader);
  const abbreviated = await under.verifier.verify(repo.dir, signed.slice(0, 40));

  t.is(signed.length, 64);
  t.deepEqual(accepted, { ok: true, signedBy: "bob@example.test", reason: null });
  t.is(refused.reason, 'its signature header "gpgsig" is not the one git verifies in a SHA-256 repository (gpgsig-sha256)');
  t.is(abbreviated.reason, "it is not in the repository", "40 digits in a SHA-256 repository are an abbreviation, never taken");
});

test("text after the armored signature is refused: ssh-keygen verifies only the first block", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const payload = await unsignedCommit(repo);
  const twoBlocks = `${await sshSign(keys().bob, payload)}\n${await sshSign(keys().eve, payload)}`;
  const sha = await writeCommit(repo.dir, signedWith(payload, "gpgsig", twoBlocks));
  const under = await verifierIn(t, sshTrust());

  const verdict = await under.verifier.verify(repo.dir, sha);

  t.is((await gitSays(repo.dir, sha, under)).letter, "G");
  t.is(verdict.reason, "its signature header holds more than one armored signature, or text around it");
});

test("an x509 (gpgsm) signature is refused before git is asked", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const payload = await unsignedCommit(repo);
  const sha = await writeCommit(repo.dir, signedWith(payload, "gpgsig", "-----BEGIN SIGNED MESSAGE-----\nMIAGCSqGSIb3DQEHAqCAMIACAQEx\n-----END SIGNED MESSAGE-----"));
  const under = await verifierIn(t, bothTrusts());

  const verdict = await under.verifier.verify(repo.dir, sha);

  t.deepEqual(verdict, { ok: false, signedBy: null, reason: "its signature type (x509) is not supported" });
});

test("a huge signature and a huge commit object are refused without being verified", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const payload = await unsignedCommit(repo);
  const [begin, ...rest] = (await sshSign(keys().bob, payload)).split("\n");
  const padded = [begin, ...Array.from({ length: 1000 }, () => "A".repeat(70)), ...rest].join("\n");
  const hugeSignature = await writeCommit(repo.dir, signedWith(payload, "gpgsig", padded));
  const bigPayload = await unsignedCommit(repo, `big\n\n${"x".repeat(1024 * 1024)}`);
  const hugeCommit = await writeCommit(repo.dir, signedWith(bigPayload, "gpgsig", await sshSign(keys().bob, bigPayload)));
  const under = await verifierIn(t, sshTrust());

  const verdicts = [await under.verifier.verify(repo.dir, hugeSignature), await under.verifier.verify(repo.dir, hugeCommit)];

  t.is((await gitSays(repo.dir, hugeCommit, under)).letter, "G", "its signature is good, it is only too large");
  t.regex(verdicts[0]?.reason ?? "", /^its signature is too large \(7\d{4} characters, at most 65536\)$/);
  t.regex(verdicts[1]?.reason ?? "", /^its commit object is too large to be verified \(\d+ bytes, at most 1048576\)$/);
});

test("a malformed commit object, or an object that is no commit, is refused, not an error of the round", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const malformed = "tree nonsense\nauthor a <a@example.test> 1 +0000\ncommitter a <a@example.test> 1 +0000\n\nm\n";
  const sha = await writeCommit(repo.dir, signedWith(malformed, "gpgsig", await sshSign(keys().bob, malformed)), { literally: true });
  const blob = await writeCommit(repo.dir, "not a commit\n", { type: "blob" });
  const under = await verifierIn(t, bothTrusts());

  const verdict = await under.verifier.verify(repo.dir, sha);

  t.false(verdict.ok);
  t.regex(verdict.reason ?? "", /^git cannot read it \(git log \(signature\) failed: .*bad object/);
  t.is((await under.verifier.verify(repo.dir, blob)).reason, "it is a blob, not a commit");
});
