/**
 * The keys behind git's verdict (behaviour.md §4): every refusal letter git gives (B, X, Y, R, E)
 * is produced for real by gpg and refused, and G/U is accepted only for a key that is configured:
 * a key of the configured files or one of their subkeys, never a key that reached the keyring
 * some other way; an SSH signer only within its allowed-signers validity, judged now.
 */
import { stat, writeFile } from "node:fs/promises";
import path from "node:path";
import test from "ava";
import { execa } from "execa";
import { readCommit, writeCommit } from "../../helpers/forge.js";
import { createGpgKey, createSshKey, revokeGpgKey, tempDir, UpstreamRepo, writeAllowedSigners, type GpgKey, type Teardown } from "../../helpers/git.js";
import { gitSays, useTestKeys, verifierIn } from "../../helpers/trust.js";

const keys = useTestKeys(test);
const IN_2020 = "20200101T000000";

/** A commit signed by `key`, verified by a gate trusting only `key`; with git's own letter. */
async function verifyWithOnly(t: Teardown, dir: string, key: GpgKey, signed?: (repo: UpstreamRepo) => Promise<string>) {
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const sha = signed ? await signed(repo) : await repo.commit("main", { signer: key });
  const under = await verifierIn(t, { gpgPublicKeyFiles: [key.publicKeyFile], sshAllowedSignersFile: null });
  const verdict = await under.verifier.verify(repo.dir, sha);
  return { verdict, git: await gitSays(repo.dir, sha, under) };
}

test("B: a signature by a trusted key over another commit body is refused", async (t) => {
  const dir = await tempDir(t);
  const alice = keys().alice;

  const { verdict, git } = await verifyWithOnly(t, dir, alice, async (repo) => {
    const signed = await readCommit(repo.dir, await repo.commit("main", { signer: alice, message: "reviewed" }));
    return writeCommit(repo.dir, signed.replace("\n\nreviewed", "\n\nnot what was reviewed"));
  });

  t.is(git.letter, "B");
  t.deepEqual(verdict, { ok: false, signedBy: alice.userId, reason: "its signature is bad" });
});

test("X: an expired signature by a trusted key is refused", async (t) => {
  const dir = await tempDir(t);
  const xavier = await createGpgKey(t, dir, "Xavier", undefined, { fakedTime: IN_2020, signatureExpire: "1d" });

  const { verdict, git } = await verifyWithOnly(t, dir, xavier);

  t.is(git.letter, "X");
  t.deepEqual(verdict, { ok: false, signedBy: xavier.userId, reason: "its signature has expired" });
});

test("Y: a signature by a trusted key that has expired is refused", async (t) => {
  const dir = await tempDir(t);
  const yann = await createGpgKey(t, dir, "Yann", undefined, { fakedTime: IN_2020, expire: "1d" });

  const { verdict, git } = await verifyWithOnly(t, dir, yann);

  t.is(git.letter, "Y");
  t.deepEqual(verdict, { ok: false, signedBy: yann.userId, reason: "it is signed by an expired key" });
});

test("R: a signature by a trusted key that has been revoked is refused", async (t) => {
  const dir = await tempDir(t);
  const rita = await createGpgKey(t, dir, "Rita");

  const { verdict, git } = await verifyWithOnly(t, dir, rita, async (repo) => {
    const sha = await repo.commit("main", { signer: rita });
    await revokeGpgKey(rita); // the configured key file now holds the revocation
    return sha;
  });

  t.is(git.letter, "R");
  t.deepEqual(verdict, { ok: false, signedBy: rita.userId, reason: "it is signed by a revoked key" });
});

test("E: a signature by a GPG key that is not configured is refused", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const sha = await repo.commit("main", { signer: keys().mallory });
  const under = await verifierIn(t, { gpgPublicKeyFiles: [keys().alice.publicKeyFile], sshAllowedSignersFile: null });

  const verdict = await under.verifier.verify(repo.dir, sha);

  t.is((await gitSays(repo.dir, sha, under)).letter, "E");
  t.deepEqual(verdict, { ok: false, signedBy: keys().mallory.fingerprint.slice(-16), reason: `it is signed by a key that is not trusted: key ${keys().mallory.fingerprint.slice(-16)}` });
});

test("U from a key that reached the isolated keyring after start is refused: only configured keys count", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const sha = await repo.commit("main", { signer: keys().mallory });
  const under = await verifierIn(t, { gpgPublicKeyFiles: [keys().alice.publicKeyFile], sshAllowedSignersFile: null });
  await execa("gpg", ["--batch", "--import", keys().mallory.publicKeyFile], { env: { GNUPGHOME: path.join(under.dir, "gnupg") } });

  const verdict = await under.verifier.verify(repo.dir, sha);

  t.is((await gitSays(repo.dir, sha, under)).letter, "U", "git: good signature, unknown validity");
  t.deepEqual(verdict, { ok: false, signedBy: keys().mallory.userId, reason: `its GPG key ${keys().mallory.fingerprint} is not one of the configured keys` });
});

test("a key carried inside a signature is never imported into the isolated keyring", async (t) => {
  const dir = await tempDir(t);
  const oscar = await createGpgKey(t, dir, "Oscar", undefined, { includeKeyBlock: true });
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const sha = await repo.commit("main", { signer: oscar });
  const under = await verifierIn(t, { gpgPublicKeyFiles: [keys().alice.publicKeyFile], sshAllowedSignersFile: null });

  const verdict = await under.verifier.verify(repo.dir, sha);

  const listing = await execa("gpg", ["--batch", "--with-colons", "--list-keys"], { env: { GNUPGHOME: path.join(under.dir, "gnupg") } });
  t.deepEqual([...String(listing.stdout).matchAll(/^pub:(?:[^:]*:){3}([0-9A-F]+):/gm)].map((match) => match[1]), [keys().alice.fingerprint.slice(-16)]);
  t.false(verdict.ok);
});

test("a signature by the signing subkey of a configured key is accepted, with the key's user id", async (t) => {
  const dir = await tempDir(t);
  const sam = await createGpgKey(t, dir, "Sam", undefined, { signingSubkey: true });

  const { verdict, git } = await verifyWithOnly(t, dir, sam);

  t.is(git.fingerprint, sam.signingFingerprint);
  t.not(sam.signingFingerprint, sam.fingerprint);
  t.deepEqual(verdict, { ok: true, signedBy: sam.userId, reason: null });
});

test("an SSH signer is accepted within its allowed-signers validity and refused after it, even on a backdated commit", async (t) => {
  const dir = await tempDir(t);
  const bob = keys().bob;
  const allowed = await writeAllowedSigners(path.join(dir, "allowed_signers"), [bob], 'namespaces="git",valid-before="20240101Z"');
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const sha = await repo.commit("main", { signer: bob }); // committer date: November 2023
  const trust = { gpgPublicKeyFiles: [], sshAllowedSignersFile: allowed };
  const before = await verifierIn(t, trust, () => new Date("2023-12-31T00:00:00Z"));
  const after = await verifierIn(t, trust, () => new Date("2024-01-02T00:00:00Z"));

  const accepted = await before.verifier.verify(repo.dir, sha);
  const refused = await after.verifier.verify(repo.dir, sha);

  t.is((await gitSays(repo.dir, sha, after)).letter, "G", "git checks the validity at the committer date, which the signer chooses");
  t.deepEqual(accepted, { ok: true, signedBy: bob.principal, reason: null });
  t.deepEqual(refused, { ok: false, signedBy: bob.principal, reason: `its SSH key ${bob.fingerprint} for ${bob.principal} is not valid now (allowed-signers line 1)` });
});

test("U: an SSH signature by a key that is not an allowed signer is refused", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const sha = await repo.commit("main", { signer: keys().eve });
  const under = await verifierIn(t, { gpgPublicKeyFiles: [keys().alice.publicKeyFile], sshAllowedSignersFile: keys().allowedSigners });

  const verdict = await under.verifier.verify(repo.dir, sha);

  t.is((await gitSays(repo.dir, sha, under)).letter, "U");
  t.deepEqual(verdict, { ok: false, signedBy: keys().eve.fingerprint, reason: `its SSH key ${keys().eve.fingerprint} is not an allowed signer` });
});

test("an SSH certificate issued by a cert-authority line is accepted for the principal it names, not for others", async (t) => {
  const dir = await tempDir(t);
  const [ca, user] = await Promise.all([createSshKey(dir, "ca@example.test"), createSshKey(dir, "alice@ops.example.test")]);
  await execa("ssh-keygen", ["-q", "-s", ca.privateKeyFile, "-I", "alice", "-n", "alice@ops.example.test", user.publicKeyFile]);
  const certificate = { ...user, privateKeyFile: user.publicKeyFile.replace(/\.pub$/, "-cert.pub") };
  const allowed = path.join(dir, "allowed_signers");
  await writeFile(allowed, `*@ops.example.test cert-authority ${ca.publicKey}\n`);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const sha = await repo.commit("main", { signer: certificate });
  const byCaKey = await repo.commit("main", { signer: ca });
  const under = await verifierIn(t, { gpgPublicKeyFiles: [], sshAllowedSignersFile: allowed });

  const verdicts = [await under.verifier.verify(repo.dir, sha), await under.verifier.verify(repo.dir, byCaKey)];

  t.deepEqual(await gitSays(repo.dir, sha, under), { letter: "G", signer: "alice@ops.example.test", fingerprint: user.fingerprint });
  t.deepEqual(verdicts[0], { ok: true, signedBy: "alice@ops.example.test", reason: null });
  t.false(verdicts[1]?.ok, "the CA key itself signs nothing");
});

test("the allowed-signers file is read at start, like the GPG keys: a signer added later is not trusted until a restart", async (t) => {
  const dir = await tempDir(t);
  const allowed = await writeAllowedSigners(path.join(dir, "allowed_signers"), [keys().bob]);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const sha = await repo.commit("main", { signer: keys().eve });
  const under = await verifierIn(t, { gpgPublicKeyFiles: [], sshAllowedSignersFile: allowed });
  await writeAllowedSigners(allowed, [keys().bob, keys().eve]);

  const verdict = await under.verifier.verify(repo.dir, sha);
  const restarted = await verifierIn(t, { gpgPublicKeyFiles: [], sshAllowedSignersFile: allowed });

  t.is(verdict.reason, `its SSH key ${keys().eve.fingerprint} is not an allowed signer`);
  t.deepEqual(await restarted.verifier.verify(repo.dir, sha), { ok: true, signedBy: "eve@example.test", reason: null });
  t.is((await stat(path.join(under.dir, "allowed_signers"))).mode & 0o777, 0o600);
});
