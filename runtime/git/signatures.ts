/**
 * The signature gate (behaviour.md §4): does a commit carry a good signature by a trusted key?
 * The commit object is read first and refused unless it carries exactly one signature header, the
 * one git verifies; then git itself checks the signature (the `%G?` status of `git log`, the same
 * machinery as `git verify-commit`) against an isolated GNUPGHOME that holds only the configured
 * GPG keys and against a private copy of the configured SSH allowed-signers file; the invoking
 * user's keyring is never used. The rules are in signature-rules.ts, the trust in trust.ts.
 */
import type { CominConfig } from "../../dsl/schema.js";
import type { Logger } from "../log.js";
import type { HashAlgorithm } from "./commit-object.js";
import { GitError, runGit, type GitRunOptions } from "./run.js";
import { judgeSignature, refuse, signatureToVerify, type GitSignatureCheck, type SignatureVerdict } from "./signature-rules.js";
import { prepareTrust, type TrustedKeys } from "./trust.js";
import { readLooseObject } from "./loose-object.js";
import { isObjectId } from "./object-id.js";

export type { SignatureVerdict } from "./signature-rules.js";
export { SignatureConfigError } from "./trust.js";

const CACHE_LIMIT = 1000;

/** A commit object is a few hundred bytes; a larger one is never read whole nor handed to gpg. */
export const MAX_COMMIT_BYTES = 1024 * 1024;

/** `%GT` is not asked: git 2.39 aborts on it for a signature by an expired GPG key (no TRUST_ line). */
const VERDICT_FORMAT = "--format=%H%x00%G?%x00%GS%x00%GK%x00%GF%x00%GP";

export class SignatureVerifier {
  private readonly cache = new Map<string, SignatureVerdict>();

  private constructor(
    readonly enabled: boolean,
    private readonly gnupgHome: string,
    private readonly allowedSignersFile: string | null,
    private readonly trust: TrustedKeys,
    private readonly log: Logger,
    private readonly now: () => Date,
  ) {}

  /**
   * Builds the isolated trust under `workDir` (rebuilt at each start so that a key removed from the
   * configuration is gone). Throws SignatureConfigError for an unreadable or invalid file.
   */
  static async create(trust: CominConfig["signatures"], workDir: string, log: Logger, now: () => Date = () => new Date()): Promise<SignatureVerifier> {
    const enabled = trust.gpgPublicKeyFiles.length > 0 || trust.sshAllowedSignersFile !== null;
    const prepared = await prepareTrust(trust, workDir);
    if (enabled) {
      log.info("commit signatures are required", { gpgKeys: prepared.gpgKeys, sshAllowedSignersFile: trust.sshAllowedSignersFile });
    }
    return new SignatureVerifier(enabled, prepared.gnupgHome, prepared.allowedSignersFile, prepared.keys, log, now);
  }

  /**
   * The verdict on `sha`, cached: a commit accepted once stays accepted while the agent runs.
   * `onRaw` gets the commit object as soon as it has been read (selection needs its parents and
   * message: one read serves both); it is not called for a cached verdict nor for an unreadable object.
   */
  async verify(repoDir: string, sha: string, onRaw?: (raw: string) => void): Promise<SignatureVerdict> {
    const cached = this.cache.get(sha);
    if (cached) return cached;
    const { verdict, final } = await this.check(repoDir, sha, onRaw);
    if (final) {
      if (this.cache.size >= CACHE_LIMIT) {
        const oldest = this.cache.keys().next().value;
        if (oldest !== undefined) this.cache.delete(oldest);
      }
      this.cache.set(sha, verdict);
    }
    if (!verdict.ok) this.log.warn("commit refused by the signature gate", { commit: sha, reason: verdict.reason });
    return verdict;
  }

  /** `final` is false for a commit missing from the repository: it may arrive with a later fetch. */
  private async check(repoDir: string, sha: string, onRaw: ((raw: string) => void) | undefined): Promise<{ verdict: SignatureVerdict; final: boolean }> {
    if (!isObjectId(sha)) return { verdict: refuse(`${JSON.stringify(sha)} is not a commit id`), final: true };
    // Replace refs would let another object stand in for `sha`: the object named is the one judged.
    const env = { GNUPGHOME: this.gnupgHome, GIT_NO_REPLACE_OBJECTS: "1" };
    const git: GitRunOptions = { cwd: repoDir, gitDir: repoDir, env, config: this.gitConfig() };
    const object = await readObject(git, sha);
    if (object === null) return { verdict: refuse("it is not in the repository"), final: false };
    const verdict = await readOrRefuse(async () => {
      if (object.type !== "commit") return refuse(`it is a ${object.type}, not a commit`);
      if (object.raw === null) return refuse(`its commit object is too large to be verified (${object.size} bytes, at most ${MAX_COMMIT_BYTES})`);
      onRaw?.(object.raw);
      const signature = signatureToVerify(object.raw, object.algorithm);
      if ("ok" in signature) return signature;
      const checked = await gitVerdict(git, sha);
      if (checked === null) return refuse("git's verdict on its signature cannot be read");
      return judgeSignature(signature.kind === "ssh" ? "ssh" : "openpgp", checked, this.trust, this.now());
    });
    return { verdict, final: true };
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

interface ObjectRead {
  type: string;
  size: number;
  /** From the length of the full object name: git has no other hash in one repository. */
  algorithm: HashAlgorithm;
  /** The object's bytes: null for anything but a commit of at most MAX_COMMIT_BYTES. */
  raw: string | null;
}

/** The header line `cat-file --batch` prints before the object ("<name> <type> <size>"). */
const MAX_HEADER_BYTES = 200;

/**
 * Type, size and (for a commit of bounded size) the bytes of `sha`: from its loose object when it
 * is one, else from one `git cat-file --batch` whose output is read up to the bound (a huge object
 * is never read whole). Null when it is not in the repository.
 */
async function readObject(git: GitRunOptions, sha: string): Promise<ObjectRead | null> {
  const algorithm = sha.length === 64 ? "sha256" : "sha1";
  // A loose object that hashes to its name is read without git (loose-object.ts); else git reads it.
  const loose = git.gitDir === undefined ? null : await readLooseObject(git.gitDir, sha, MAX_COMMIT_BYTES);
  if (loose !== null) return { type: loose.type, size: loose.size, algorithm, raw: loose.type === "commit" ? loose.content.toString("utf8") : null };
  const { stdout, truncated } = await runGit(["cat-file", "--batch"], { ...git, input: `${sha}\n`, keepFinalNewline: true, maxStdoutBytes: MAX_HEADER_BYTES + MAX_COMMIT_BYTES + 1, what: "git cat-file (signature gate)" });
  const newline = stdout.indexOf("\n");
  const [name, type = "", size = ""] = (newline < 0 ? stdout : stdout.slice(0, newline)).split(" ");
  // A 40-digit name in a SHA-256 repository would be an abbreviation: only the full name is ours.
  if (name !== sha || type === "missing" || !/^\d+$/.test(size)) return null;
  const bytes = Number(size);
  // Output cut at the bound can only be a larger object than its header says: never judged.
  if (type !== "commit" || bytes > MAX_COMMIT_BYTES || truncated === true || !stdout.endsWith("\n")) return { type, size: bytes, algorithm, raw: null };
  // The object, without the newline --batch adds after it.
  return { type, size: bytes, algorithm, raw: stdout.slice(newline + 1, -1) };
}

async function gitVerdict(git: GitRunOptions, sha: string): Promise<GitSignatureCheck | null> {
  const { stdout } = await runGit(["log", "-1", "--no-walk", VERDICT_FORMAT, "--end-of-options", sha], { ...git, what: "git log (signature)" });
  const fields = stdout.split("\0");
  const [commit, letter = "", signer = "", keyId = "", fingerprint = "", primaryFingerprint = ""] = fields;
  if (fields.length !== 6 || commit !== sha || !/^[A-Z]$/.test(letter)) return null;
  return { letter, signer, keyId, fingerprint, primaryFingerprint };
}

/**
 * A commit git cannot read (git ran and failed on it) is refused, not an error of the round: a
 * hostile object must not stop the other remotes from being selected. git not running at all
 * (killed, timed out) is still an error, and nothing is cached.
 */
async function readOrRefuse(read: () => Promise<SignatureVerdict>): Promise<SignatureVerdict> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof GitError && error.exitCode !== null) return refuse(`git cannot read it (${error.message})`);
    throw error;
  }
}
