import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import test from "ava";
import { execa } from "execa";
import { commitSignaturesOf } from "../../../runtime/git/commit-object.js";
import { SignatureConfigError, SignatureVerifier } from "../../../runtime/git/signatures.js";
import { sshSignatureAlgorithms } from "../../../runtime/git/sshsig.js";
import { silentLogger } from "../../../runtime/log.js";
import { readCommit, signedWith, payloadOf, writeCommit } from "../../helpers/forge.js";
import { createGpgKey, createSshKey, tempDir, UpstreamRepo, writeAllowedSigners, type GpgKey, type SshKey } from "../../helpers/git.js";

interface Keys {
  dir: string;
  alice: GpgKey;
  mallory: GpgKey;
  bob: SshKey;
  eve: SshKey;
  carol: SshKey;
  allowedSigners: string;
}

const cleanups: Array<() => Promise<void> | void> = [];
let keys: Keys;

test.before(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "comin-sig-"));
  const teardown = { teardown: (fn: () => Promise<void> | void) => cleanups.push(fn) };
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const [alice, mallory, bob, eve, carol] = await Promise.all([
    createGpgKey(teardown, dir, "Alice"),
    createGpgKey(teardown, dir, "Mallory"),
    createSshKey(dir, "bob@example.test"),
    createSshKey(dir, "eve@example.test"),
    createSshKey(dir, "carol@example.test", "rsa"),
  ]);
  const allowedSigners = await writeAllowedSigners(path.join(dir, "allowed_signers"), [bob, carol]);
  keys = { dir, alice, mallory, bob, eve, carol, allowedSigners };
});

test.after.always(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const trustAll = () => ({ gpgPublicKeyFiles: [keys.alice.publicKeyFile], sshAllowedSignersFile: keys.allowedSigners });

test("a commit signed by a trusted GPG key is accepted, with the signer's name", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const sha = await repo.commit("main", { signer: keys.alice });
  const verifier = await SignatureVerifier.create(trustAll(), dir, silentLogger);

  const verdict = await verifier.verify(repo.dir, sha);

  t.deepEqual(verdict, { ok: true, signedBy: "Alice <alice@example.test>", reason: null });
  t.true(verifier.enabled);
});

test("the isolated GNUPGHOME is private and holds only the configured keys", async (t) => {
  const dir = await tempDir(t);

  await SignatureVerifier.create(trustAll(), dir, silentLogger);

  const home = path.join(dir, "gnupg");
  t.is((await stat(home)).mode & 0o777, 0o700);
  const listing = await execa("gpg", ["--batch", "--with-colons", "--list-keys"], { env: { GNUPGHOME: home } });
  const fingerprints = [...String(listing.stdout).matchAll(/^fpr:+([0-9A-F]+):/gm)].map((match) => match[1]);
  t.deepEqual(fingerprints, [keys.alice.fingerprint]);
});

test.serial("a GPG key of the user's own keyring is not trusted", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const sha = await repo.commit("main", { signer: keys.mallory });
  const saved = process.env.GNUPGHOME;
  process.env.GNUPGHOME = keys.mallory.gnupgHome; // Mallory's key is in "the user's" keyring
  t.teardown(() => {
    if (saved === undefined) delete process.env.GNUPGHOME;
    else process.env.GNUPGHOME = saved;
  });
  const verifier = await SignatureVerifier.create(trustAll(), dir, silentLogger);

  const verdict = await verifier.verify(repo.dir, sha);

  t.false(verdict.ok);
  t.regex(verdict.reason ?? "", /not trusted/);
});

test("an unsigned commit is refused", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const sha = await repo.commit("main");
  const verifier = await SignatureVerifier.create(trustAll(), dir, silentLogger);

  const verdict = await verifier.verify(repo.dir, sha);

  t.deepEqual(verdict, { ok: false, signedBy: null, reason: "it is not signed" });
});

test("SSH signatures by allowed signers are accepted (ed25519 and RSA with SHA-2), others refused", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const byBob = await repo.commit("main", { signer: keys.bob });
  const byCarol = await repo.commit("main", { signer: keys.carol });
  const byEve = await repo.commit("main", { signer: keys.eve });
  const verifier = await SignatureVerifier.create(trustAll(), dir, silentLogger);

  const bob = await verifier.verify(repo.dir, byBob);
  const carol = await verifier.verify(repo.dir, byCarol);
  const eve = await verifier.verify(repo.dir, byEve);

  t.deepEqual(bob, { ok: true, signedBy: "bob@example.test", reason: null });
  t.deepEqual(carol, { ok: true, signedBy: "carol@example.test", reason: null });
  t.false(eve.ok);
  t.regex(eve.reason ?? "", /^its SSH key SHA256:\S+ is not an allowed signer$/);
});

test("each trust source accepts only its own kind of signature", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const gpgSigned = await repo.commit("main", { signer: keys.alice });
  const sshSigned = await repo.commit("main", { signer: keys.bob });
  const gpgOnly = await SignatureVerifier.create({ gpgPublicKeyFiles: [keys.alice.publicKeyFile], sshAllowedSignersFile: null }, path.join(dir, "a"), silentLogger);
  const sshOnly = await SignatureVerifier.create({ gpgPublicKeyFiles: [], sshAllowedSignersFile: keys.allowedSigners }, path.join(dir, "b"), silentLogger);

  const verdicts = [
    await gpgOnly.verify(repo.dir, gpgSigned),
    await gpgOnly.verify(repo.dir, sshSigned),
    await sshOnly.verify(repo.dir, gpgSigned),
    await sshOnly.verify(repo.dir, sshSigned),
  ];

  t.deepEqual(
    verdicts.map((verdict) => verdict.ok),
    [true, false, false, true],
  );
});

test("an SSH signature made with SHA-1 (ssh-rsa) is refused before it is checked", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const good = await repo.commit("main", { signer: keys.carol });
  const raw = await readCommit(repo.dir, good);
  const armored = commitSignaturesOf(raw)[0]?.armored ?? "";
  const sha = await writeCommit(repo.dir, signedWith(payloadOf(raw), "gpgsig", withSignatureAlgorithm(armored, "ssh-rsa")));
  const verifier = await SignatureVerifier.create(trustAll(), dir, silentLogger);

  const verdict = await verifier.verify(repo.dir, sha);

  t.is(sshSignatureAlgorithms(armored)?.signatureAlgorithm, "rsa-sha2-512");
  t.not(sha, good);
  t.deepEqual(verdict, { ok: false, signedBy: null, reason: "its SSH signature algorithm ssh-rsa uses SHA-1" });
});

/** Rewrites the signature algorithm name inside an armored SSHSIG blob. */
function withSignatureAlgorithm(armored: string, algorithm: string): string {
  const base64 = armored.replace(/-----(BEGIN|END) SSH SIGNATURE-----/g, "").replace(/\s+/g, "");
  const blob = Buffer.from(base64, "base64");
  let offset = 6 + 4; // "SSHSIG", version
  const skipString = () => {
    offset += 4 + blob.readUInt32BE(offset);
  };
  skipString(); // public key
  skipString(); // namespace
  skipString(); // reserved
  skipString(); // hash algorithm
  const signatureStart = offset;
  const signature = blob.subarray(offset + 4, offset + 4 + blob.readUInt32BE(offset));
  const nameLength = signature.readUInt32BE(0);
  const rest = signature.subarray(4 + nameLength);
  const name = Buffer.from(algorithm, "latin1");
  const newSignature = Buffer.concat([u32(name.length), name, rest]);
  const out = Buffer.concat([blob.subarray(0, signatureStart), u32(newSignature.length), newSignature]);
  const lines = out.toString("base64").match(/.{1,70}/g) ?? [];
  return ["-----BEGIN SSH SIGNATURE-----", ...lines, "-----END SSH SIGNATURE-----"].join("\n");
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

test("verdicts are cached by commit", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const sha = await repo.commit("main", { signer: keys.bob });
  const verifier = await SignatureVerifier.create(trustAll(), dir, silentLogger);
  const first = await verifier.verify(repo.dir, sha);
  await rm(repo.dir, { recursive: true });

  const second = await verifier.verify(repo.dir, sha);

  t.true(first.ok);
  t.is(second, first);
});

test("no trust configured: the verifier is disabled", async (t) => {
  const dir = await tempDir(t);

  const verifier = await SignatureVerifier.create({ gpgPublicKeyFiles: [], sshAllowedSignersFile: null }, dir, silentLogger);

  t.false(verifier.enabled);
});

test("unreadable or invalid trust files are clear errors", async (t) => {
  const dir = await tempDir(t);
  const missing = path.join(dir, "missing.asc");
  const garbage = path.join(dir, "garbage.asc");
  await writeFile(garbage, "this is not a key\n");
  const noKeys = path.join(dir, "allowed_signers");
  await writeFile(noKeys, "# nobody yet\n\n");
  const create = (trust: { gpgPublicKeyFiles: string[]; sshAllowedSignersFile: string | null }) => SignatureVerifier.create(trust, dir, silentLogger);

  const unreadable = await t.throwsAsync(create({ gpgPublicKeyFiles: [missing], sshAllowedSignersFile: null }), { instanceOf: SignatureConfigError });
  const invalid = await t.throwsAsync(create({ gpgPublicKeyFiles: [garbage], sshAllowedSignersFile: null }), { instanceOf: SignatureConfigError });
  const sshPublicKeyAsGpg = await t.throwsAsync(create({ gpgPublicKeyFiles: [keys.bob.publicKeyFile], sshAllowedSignersFile: null }), { instanceOf: SignatureConfigError });
  const empty = await t.throwsAsync(create({ gpgPublicKeyFiles: [], sshAllowedSignersFile: noKeys }), { instanceOf: SignatureConfigError });
  const absent = await t.throwsAsync(create({ gpgPublicKeyFiles: [], sshAllowedSignersFile: path.join(dir, "nope") }), { instanceOf: SignatureConfigError });

  t.is(unreadable?.message, `cannot read the GPG public key file ${missing} (ENOENT)`);
  t.is(invalid?.message, `invalid GPG public key file ${garbage}: it contains no OpenPGP public key`);
  t.is(sshPublicKeyAsGpg?.file, keys.bob.publicKeyFile);
  t.regex(empty?.message ?? "", /^invalid SSH allowed-signers file .*: it contains no public key/);
  t.regex(absent?.message ?? "", /^cannot read the SSH allowed-signers file .* \(ENOENT\)$/);
});

test("the signature parser reads real signatures", async (t) => {
  const dir = await tempDir(t);
  const repo = await UpstreamRepo.create(path.join(dir, "repo"));
  const ssh = await repo.commit("main", { signer: keys.bob });
  const gpg = await repo.commit("main", { signer: keys.alice });

  const sshSignatures = commitSignaturesOf(await readCommit(repo.dir, ssh));
  const gpgSignatures = commitSignaturesOf(await readCommit(repo.dir, gpg));

  t.deepEqual(
    sshSignatures.map((s) => [s.header, s.kind]),
    [["gpgsig", "ssh"]],
  );
  t.deepEqual(sshSignatureAlgorithms(sshSignatures[0]?.armored ?? ""), { keyType: "ssh-ed25519", signatureAlgorithm: "ssh-ed25519", hashAlgorithm: "sha512" });
  t.deepEqual(
    gpgSignatures.map((s) => [s.header, s.kind]),
    [["gpgsig", "openpgp"]],
  );
  t.is(sshSignatureAlgorithms("not a signature"), null);
});
