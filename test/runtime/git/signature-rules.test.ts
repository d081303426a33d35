/**
 * The gate's reading of git's verdict (behaviour.md §4), as a table of verdicts git cannot be
 * made to give with the isolated trust (that isolation is the first layer; these rules are the
 * second): a key of the other kind than the signature, an SSH principal not granted that key, a
 * GPG key outside the configured set. Real verdicts are in signature-keys/-forgery/-objects tests.
 */
import test from "ava";
import { parseAllowedSigners } from "../../../runtime/git/allowed-signers.js";
import { judgeSignature, signatureToVerify, type GitSignatureCheck } from "../../../runtime/git/signature-rules.js";
import type { TrustedKeys } from "../../../runtime/git/trust.js";

const BOB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA2mRkF1N4CDYrNtBxS1dmZl3U6r7cg5uJdVZUzZ0k9x";
const CA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ3vHbR3nCq2yT8Yw0kq0cH5mZzXvQ0b1Xz9f2rV5kLm";
const signers = parseAllowedSigners(`bob@example.test ${BOB}\n*@ops.example.test cert-authority ${CA}\nfiles@example.test namespaces="file" ${BOB}\n`);
const bobFingerprint = signers[0]?.fingerprint ?? "";
const OTHER_SSH = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const ALICE = "A".repeat(40);
const ALICE_SUBKEY = "B".repeat(40);
const trust: TrustedKeys = { gpgFingerprints: new Set([ALICE, ALICE_SUBKEY]), sshSigners: signers };
const now = new Date("2025-06-01T00:00:00Z");

const git = (check: Partial<GitSignatureCheck>): GitSignatureCheck => ({ letter: "G", signer: "", keyId: "", fingerprint: "", primaryFingerprint: "", ...check });

test("git's verdict on a key of the other kind than the commit's signature is refused", (t) => {
  const sshKeyForPgp = judgeSignature("openpgp", git({ letter: "U", fingerprint: bobFingerprint, keyId: bobFingerprint }), trust, now);
  const pgpKeyForSsh = judgeSignature("ssh", git({ letter: "G", signer: "bob@example.test", fingerprint: ALICE }), trust, now);
  const noKey = judgeSignature("openpgp", git({ letter: "G", signer: "Alice" }), trust, now);

  t.deepEqual(sshKeyForPgp, { ok: false, signedBy: bobFingerprint, reason: "git checked an SSH key for its OpenPGP signature" });
  t.is(pgpKeyForSsh.reason, "git checked an OpenPGP key for its SSH signature");
  t.is(noKey.reason, 'git checked an unknown key ("") for its OpenPGP signature');
});

test("OpenPGP: G and U are accepted for a configured key or subkey only", (t) => {
  const verdicts = [
    judgeSignature("openpgp", git({ letter: "G", signer: "Alice <alice@example.test>", fingerprint: ALICE }), trust, now),
    judgeSignature("openpgp", git({ letter: "U", signer: "Alice <alice@example.test>", fingerprint: ALICE_SUBKEY, primaryFingerprint: ALICE }), trust, now),
    judgeSignature("openpgp", git({ letter: "G", signer: "Mallory", fingerprint: "C".repeat(40) }), trust, now),
  ];

  t.deepEqual(
    verdicts.map((verdict) => [verdict.ok, verdict.signedBy]),
    [
      [true, "Alice <alice@example.test>"],
      [true, "Alice <alice@example.test>"],
      [false, "Mallory"],
    ],
  );
  t.is(verdicts[2]?.reason, `its GPG key ${"C".repeat(40)} is not one of the configured keys`);
});

test("SSH: G is accepted only when an allowed-signers line grants that key to that principal for git", (t) => {
  const judge = (signer: string, fingerprint: string) => judgeSignature("ssh", git({ letter: "G", signer, fingerprint }), trust, now);

  const verdicts = {
    granted: judge("bob@example.test", bobFingerprint),
    otherKey: judge("bob@example.test", OTHER_SSH),
    otherPrincipal: judge("eve@example.test", bobFingerprint),
    otherNamespace: judge("files@example.test", bobFingerprint),
    certificate: judge("alice@ops.example.test", OTHER_SSH),
    unknown: judgeSignature("ssh", git({ letter: "U", fingerprint: bobFingerprint }), trust, now),
  };

  t.deepEqual(verdicts.granted, { ok: true, signedBy: "bob@example.test", reason: null });
  t.is(verdicts.otherKey.reason, `its SSH key ${OTHER_SSH} is not allowed for bob@example.test`);
  t.is(verdicts.otherPrincipal.reason, `its SSH key ${bobFingerprint} is not allowed for eve@example.test`);
  t.is(verdicts.otherNamespace.reason, `its SSH key ${bobFingerprint} is not allowed for files@example.test`);
  t.deepEqual(verdicts.certificate, { ok: true, signedBy: "alice@ops.example.test", reason: null }, "a certificate's key is any key the CA signed");
  t.is(verdicts.unknown.reason, `its SSH key ${bobFingerprint} is not an allowed signer`);
});

test("every letter other than G and U is refused, an unknown one too", (t) => {
  const reasons = ["B", "X", "Y", "R", "E", "N", "Z"].map((letter) => judgeSignature("openpgp", git({ letter, fingerprint: ALICE }), trust, now).reason);

  t.deepEqual(reasons, [
    "its signature is bad",
    "its signature has expired",
    "it is signed by an expired key",
    "it is signed by a revoked key",
    "it is signed by a key that is not trusted",
    "it is not signed",
    'its signature status is "Z"',
  ]);
});

test("only armored OpenPGP and SSH signatures reach git", (t) => {
  const commit = (value: string) => `tree ${"0".repeat(40)}\nauthor a <a@x> 1 +0000\ncommitter a <a@x> 1 +0000\ngpgsig ${value.split("\n").join("\n ")}\n\nm\n`;

  const reasons = [
    signatureToVerify(commit("-----BEGIN PGP MESSAGE-----\n\nAAAA\n-----END PGP MESSAGE-----"), "sha1"),
    signatureToVerify(commit("-----BEGIN SSH SIGNATURE-----\nnot base64 of SSHSIG\n-----END SSH SIGNATURE-----"), "sha1"),
    signatureToVerify(commit("-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n-----END PGP SIGNATURE-----"), "sha1"),
  ].map((result) => ("reason" in result ? result.reason : "reached git"));

  t.deepEqual(reasons, ["its signature type (unknown) is not supported", "its SSH signature cannot be read", "its signature header holds more than one armored signature, or text around it"]);
});
