/**
 * The signature gate (behaviour.md §4): does a commit carry a good signature by a trusted key?
 * git itself checks the signature (the `%G?` status of `git log`, the same machinery as
 * `git verify-commit`), against an isolated GNUPGHOME that holds only the configured GPG keys and
 * against the configured SSH allowed-signers file; the invoking user's keyring is never used.
 */
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import type { CominConfig } from "../../dsl/schema.js";
import type { Logger } from "../log.js";
import { commitSignatureOf } from "./commit-object.js";
import { runGit } from "./run.js";
import { sshSignatureAlgorithms, weakSshSignature } from "./sshsig.js";

export interface SignatureVerdict {
  ok: boolean;
  /** Signer's name (GPG user id) or principal (SSH), else its key id. */
  signedBy: string | null;
  /** Why it was refused; null when ok. */
  reason: string | null;
}

/** A trust file that cannot be used: the agent refuses to start rather than trust nothing silently. */
export class SignatureConfigError extends Error {
  override readonly name = "SignatureConfigError";
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What each `%G?` letter means when it is a refusal. */
const REFUSALS: Record<string, string> = {
  B: "its signature is bad",
  X: "its signature has expired",
  Y: "it is signed by an expired key",
  R: "it is signed by a revoked key",
  E: "it is signed by a key that is not trusted",
  N: "it is not signed",
};

const CACHE_LIMIT = 1000;

/** gpg must never start an agent or fetch keys from the network while verifying. */
const GPG_CONF = "no-autostart\nno-auto-key-retrieve\n";

/** A public key line of an allowed-signers file contains one of these key types. */
const SSH_KEY_TYPE = /(^|\s)(ssh-ed25519|ssh-rsa|ssh-dss|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)(-cert-v01@openssh\.com)?\s+[A-Za-z0-9+/=]+/;

export class SignatureVerifier {
  private readonly cache = new Map<string, SignatureVerdict>();

  private constructor(
    readonly enabled: boolean,
    private readonly gnupgHome: string,
    private readonly allowedSignersFile: string | null,
    private readonly log: Logger,
  ) {}

  /**
   * Builds an isolated GNUPGHOME (`<workDir>/gnupg`, mode 0700, rebuilt at each start so that a
   * key removed from the configuration is gone) holding only the configured keys, and remembers
   * the allowed-signers file. Throws SignatureConfigError for an unreadable or invalid file.
   */
  static async create(trust: CominConfig["signatures"], workDir: string, log: Logger): Promise<SignatureVerifier> {
    const enabled = trust.gpgPublicKeyFiles.length > 0 || trust.sshAllowedSignersFile !== null;
    const gnupgHome = join(workDir, "gnupg");
    await rm(gnupgHome, { recursive: true, force: true });
    await mkdir(gnupgHome, { recursive: true, mode: 0o700 });
    await chmod(gnupgHome, 0o700);
    await writeFile(join(gnupgHome, "gpg.conf"), GPG_CONF, { mode: 0o600 });
    const fingerprints: string[] = [];
    for (const file of trust.gpgPublicKeyFiles) fingerprints.push(...(await importGpgKeys(file, gnupgHome)));
    if (fingerprints.length > 0) await setUltimateTrust(fingerprints, gnupgHome);
    if (trust.sshAllowedSignersFile !== null) await checkAllowedSigners(trust.sshAllowedSignersFile);
    if (enabled) {
      log.info("commit signatures are required", { gpgKeys: fingerprints, sshAllowedSignersFile: trust.sshAllowedSignersFile });
    }
    return new SignatureVerifier(enabled, gnupgHome, trust.sshAllowedSignersFile, log);
  }

  /**
   * Accepts `%G?` = G, and U for OpenPGP only (a good signature by a key of the isolated keyring,
   * whose keys are all trusted). For SSH, U means "good signature, but no allowed signer": refused.
   * SHA-1 SSH signature algorithms are refused before git is asked.
   */
  async verify(repoDir: string, sha: string): Promise<SignatureVerdict> {
    const cached = this.cache.get(sha);
    if (cached) return cached;
    const verdict = await this.check(repoDir, sha);
    if (this.cache.size >= CACHE_LIMIT) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(sha, verdict);
    if (!verdict.ok) this.log.warn("commit refused by the signature gate", { commit: sha, reason: verdict.reason });
    return verdict;
  }

  private async check(repoDir: string, sha: string): Promise<SignatureVerdict> {
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) return refuse(`${JSON.stringify(sha)} is not a commit id`);
    const git = { cwd: repoDir, gitDir: repoDir, env: { GNUPGHOME: this.gnupgHome }, config: this.gitConfig() };
    // Both read-only: git's verdict is computed while the signature's kind and algorithm are read,
    // and is only used when those are acceptable.
    const [raw, verdict] = await Promise.all([
      runGit(["cat-file", "commit", sha], { ...git, keepFinalNewline: true }),
      runGit(["log", "-1", "--format=%G?%x00%GS%x00%GK%x00%GF", "--end-of-options", sha], { ...git, what: "git log (signature)" }),
    ]);
    const signature = commitSignatureOf(raw.stdout);
    if (signature === null) return refuse("it is not signed");
    if (signature.kind === "ssh") {
      const algorithms = sshSignatureAlgorithms(signature.armored);
      if (algorithms === null) return refuse("its SSH signature cannot be read");
      const weak = weakSshSignature(algorithms);
      if (weak !== null) return refuse(weak);
    } else if (signature.kind !== "openpgp") {
      return refuse(`its signature type (${signature.kind}) is not supported`);
    }
    const [letter = "N", signer = "", keyId = "", fingerprint = ""] = verdict.stdout.split("\0");
    const who = signer || keyId || fingerprint || null;
    if (letter === "G" || (letter === "U" && signature.kind === "openpgp")) return { ok: true, signedBy: who, reason: null };
    if (letter === "U") return refuse(`its SSH key ${keyId || fingerprint} is not an allowed signer`, who);
    const why = REFUSALS[letter] ?? `its signature status is ${letter}`;
    return refuse(keyId && letter === "E" ? `${why}: key ${keyId}` : why, who);
  }

  /** Every signature program and trust file is pinned, whatever the system config says. */
  private gitConfig(): Record<string, string> {
    return {
      "gpg.program": "gpg",
      "gpg.openpgp.program": "gpg",
      "gpg.ssh.program": "ssh-keygen",
      "gpg.ssh.allowedSignersFile": this.allowedSignersFile ?? "/dev/null",
    };
  }
}

function refuse(reason: string, signedBy: string | null = null): SignatureVerdict {
  return { ok: false, signedBy, reason };
}

async function importGpgKeys(file: string, gnupgHome: string): Promise<string[]> {
  try {
    await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new SignatureConfigError(file, `cannot read the GPG public key file ${file} (${code})`, { cause: error });
  }
  const result = await execa("gpg", ["--batch", "--no-tty", "--status-fd", "1", "--import", "--", file], {
    env: { GNUPGHOME: gnupgHome },
    reject: false,
    stdin: "ignore",
  });
  const fingerprints = [...String(result.stdout).matchAll(/^\[GNUPG:\] IMPORT_OK \d+ ([0-9A-F]+)$/gm)].map((match) => match[1] ?? "");
  if (fingerprints.length === 0) {
    const reason = result.exitCode === undefined ? `gpg could not run (${result.shortMessage})` : "it contains no OpenPGP public key";
    throw new SignatureConfigError(file, `invalid GPG public key file ${file}: ${reason}`, { cause: result });
  }
  return fingerprints;
}

/** Keys of the isolated keyring are trusted by definition; saying so makes gpg report G, not U. */
async function setUltimateTrust(fingerprints: readonly string[], gnupgHome: string): Promise<void> {
  const result = await execa("gpg", ["--batch", "--no-tty", "--import-ownertrust"], {
    env: { GNUPGHOME: gnupgHome },
    input: fingerprints.map((fingerprint) => `${fingerprint}:6:\n`).join(""),
    reject: false,
  });
  if (result.exitCode !== 0) throw new SignatureConfigError(gnupgHome, `cannot set the trust of the GPG keys: ${String(result.stderr)}`, { cause: result });
}

async function checkAllowedSigners(file: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new SignatureConfigError(file, `cannot read the SSH allowed-signers file ${file} (${code})`, { cause: error });
  }
  const entries = text.split("\n").filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"));
  if (!entries.some((line) => SSH_KEY_TYPE.test(line))) {
    throw new SignatureConfigError(file, `invalid SSH allowed-signers file ${file}: it contains no public key (expected lines "<principal> [options] <key type> <base64 key>")`);
  }
}
