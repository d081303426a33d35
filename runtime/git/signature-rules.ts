/**
 * The rules of the signature gate (behaviour.md §4), as pure functions: which commit objects may
 * be handed to git at all (`signatureToVerify`), and what git's answer means (`judgeSignature`).
 * The signature's kind and signer are taken from git's verdict (the key it checked), never from
 * our own reading of the object alone, and every accepted key must be one of the configured keys.
 */
import { isValidAt, matchesPatternList } from "./allowed-signers.js";
import { commitSignaturesOf, isSingleArmoredBlock, SIGNATURE_HEADER, type CommitSignature, type HashAlgorithm } from "./commit-object.js";
import { sshSignatureAlgorithms, weakSshSignature } from "./sshsig.js";
import type { TrustedKeys } from "./trust.js";

export interface SignatureVerdict {
  ok: boolean;
  /** Signer's name (GPG user id) or principal (SSH), else its key id. */
  signedBy: string | null;
  /** Why it was refused; null when ok. */
  reason: string | null;
}

/** What git says about a commit's signature: `%G?`, `%GS`, `%GK`, `%GF`, `%GP` of `git log`. */
export interface GitSignatureCheck {
  letter: string;
  signer: string;
  keyId: string;
  fingerprint: string;
  primaryFingerprint: string;
}

/** Real signatures take a few kilobytes (an RSA-4096 OpenPGP signature ~1 KB, an SSH certificate ~2 KB). */
export const MAX_SIGNATURE_CHARS = 64 * 1024;

/** What each `%G?` letter means when it is a refusal. */
const REFUSALS: Readonly<Record<string, string>> = {
  B: "its signature is bad",
  X: "its signature has expired",
  Y: "it is signed by an expired key",
  R: "it is signed by a revoked key",
  E: "it is signed by a key that is not trusted",
  N: "it is not signed",
};

const HASH_NAME: Readonly<Record<HashAlgorithm, string>> = { sha1: "SHA-1", sha256: "SHA-256" };

export function refuse(reason: string, signedBy: string | null = null): SignatureVerdict {
  return { ok: false, signedBy, reason };
}

/**
 * The one signature git will verify, or why the commit is refused before git is asked. git strips
 * every "gpgsig*" header from the signed payload but verifies only the one of the repository's hash
 * algorithm: any other one is unsigned text that could disguise the kind of signature checked.
 */
export function signatureToVerify(raw: string, algorithm: HashAlgorithm): CommitSignature | SignatureVerdict {
  const signatures = commitSignaturesOf(raw);
  const [signature] = signatures;
  if (signature === undefined) return refuse("it is not signed");
  if (signatures.length > 1) {
    return refuse(`it carries ${signatures.length} signature headers (${signatures.map((s) => JSON.stringify(s.header)).join(", ")}); exactly one is allowed`);
  }
  const expected = SIGNATURE_HEADER[algorithm];
  if (signature.header !== expected) {
    return refuse(`its signature header ${JSON.stringify(signature.header)} is not the one git verifies in a ${HASH_NAME[algorithm]} repository (${expected})`);
  }
  if (signature.armored.length > MAX_SIGNATURE_CHARS) return refuse(`its signature is too large (${signature.armored.length} characters, at most ${MAX_SIGNATURE_CHARS})`);
  if (signature.kind !== "openpgp" && signature.kind !== "ssh") return refuse(`its signature type (${signature.kind}) is not supported`);
  if (!isSingleArmoredBlock(signature)) return refuse("its signature header holds more than one armored signature, or text around it");
  if (signature.kind === "ssh") {
    const algorithms = sshSignatureAlgorithms(signature.armored);
    if (algorithms === null) return refuse("its SSH signature cannot be read");
    const weak = weakSshSignature(algorithms);
    if (weak !== null) return refuse(weak);
  }
  return signature;
}

/** The kind of key git checked, from the form of the fingerprint it reports. */
function checkedKind(fingerprint: string): "openpgp" | "ssh" | null {
  if (/^SHA256:[A-Za-z0-9+/]{43}$/.test(fingerprint)) return "ssh";
  if (/^([0-9A-F]{40}|[0-9A-F]{64})$/.test(fingerprint)) return "openpgp";
  return null;
}

/**
 * Accepts `%G?` = G, or U for OpenPGP, only when the key git checked is a configured one: an
 * OpenPGP (sub)key imported from the configured files, or an SSH key that an allowed-signers entry
 * grants to the principal git names, valid now. For SSH, U means "good signature, but no allowed
 * signer": refused.
 */
export function judgeSignature(kind: "openpgp" | "ssh", git: GitSignatureCheck, trust: TrustedKeys, now: Date): SignatureVerdict {
  const who = git.signer || git.keyId || git.fingerprint || null;
  if (git.letter !== "G" && git.letter !== "U") {
    const why = REFUSALS[git.letter] ?? `its signature status is ${JSON.stringify(git.letter)}`;
    return refuse(git.keyId && git.letter === "E" ? `${why}: key ${git.keyId}` : why, who);
  }
  const checked = checkedKind(git.fingerprint);
  if (checked !== kind) {
    return refuse(`git checked ${checked === null ? `an unknown key (${JSON.stringify(git.fingerprint)})` : `an ${checked === "ssh" ? "SSH" : "OpenPGP"} key`} for its ${kind === "ssh" ? "SSH" : "OpenPGP"} signature`, who);
  }
  if (kind === "openpgp") {
    if (!trust.gpgFingerprints.has(git.fingerprint)) return refuse(`its GPG key ${git.fingerprint} is not one of the configured keys`, who);
    return { ok: true, signedBy: who, reason: null };
  }
  if (git.letter !== "G" || git.signer === "") return refuse(`its SSH key ${git.fingerprint} is not an allowed signer`, who);
  const granted = trust.sshSigners.filter(
    (entry) =>
      matchesPatternList(git.signer, entry.principals) &&
      (entry.certAuthority || entry.fingerprint === git.fingerprint) &&
      (entry.namespaces === null || matchesPatternList("git", entry.namespaces)),
  );
  if (granted.length === 0) return refuse(`its SSH key ${git.fingerprint} is not allowed for ${git.signer}`, who);
  if (!granted.some((entry) => isValidAt(entry, now))) {
    // git checks validity at the committer date, which the signer chooses: it is checked again now.
    return refuse(`its SSH key ${git.fingerprint} for ${git.signer} is not valid now (allowed-signers line ${granted.map((entry) => entry.line).join(", ")})`, who);
  }
  return { ok: true, signedBy: git.signer, reason: null };
}
