/**
 * The configured trust, made ready for the signature gate (behaviour.md §4) at each start: an
 * isolated GNUPGHOME holding only the configured GPG keys, the fingerprints of those keys and
 * their subkeys, and a private copy of the SSH allowed-signers file with its parsed entries. git
 * and the gate read the same copy, so a file edited while the agent runs changes nothing until a
 * restart, as for the GPG keys.
 */
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runProcess } from "../process.js";
import type { CominConfig } from "../../dsl/schema.js";
import { AllowedSignersSyntaxError, parseAllowedSigners, type AllowedSigner } from "./allowed-signers.js";

/** gpg only reads local files here; a minute is far more than it ever takes. */
const GPG_TIMEOUT_MS = 60_000;

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

export interface TrustedKeys {
  /** Upper-case hex fingerprints of every configured GPG key and subkey. */
  gpgFingerprints: ReadonlySet<string>;
  /** Entries of the configured allowed-signers file (empty when none is configured). */
  sshSigners: readonly AllowedSigner[];
}

export interface PreparedTrust {
  keys: TrustedKeys;
  gnupgHome: string;
  /** The private copy git reads, or null. */
  allowedSignersFile: string | null;
  /** Primary fingerprints of the imported keys, for the log. */
  gpgKeys: string[];
}

/**
 * gpg must never start an agent, fetch keys from the network, or import a key found inside a
 * signature (auto-key-import would put the signer's own key into the trusted keyring).
 */
const GPG_CONF = "no-autostart\nno-auto-key-retrieve\nno-auto-key-import\n";

/** Rebuilds `<workDir>/gnupg` (mode 0700) and `<workDir>/allowed_signers` from the configuration. */
export async function prepareTrust(trust: CominConfig["signatures"], workDir: string): Promise<PreparedTrust> {
  const gnupgHome = join(workDir, "gnupg");
  await rm(gnupgHome, { recursive: true, force: true });
  await mkdir(gnupgHome, { recursive: true, mode: 0o700 });
  await chmod(gnupgHome, 0o700);
  await writeFile(join(gnupgHome, "gpg.conf"), GPG_CONF, { mode: 0o600 });
  const gpgKeys: string[] = [];
  for (const file of trust.gpgPublicKeyFiles) gpgKeys.push(...(await importGpgKeys(file, gnupgHome)));
  if (gpgKeys.length > 0) await setUltimateTrust(gpgKeys, gnupgHome);
  const gpgFingerprints = new Set(gpgKeys.length > 0 ? await keyringFingerprints(gnupgHome) : []);

  // Read before the copy is removed: the configured file may be that very path.
  const signers = trust.sshAllowedSignersFile === null ? null : await readAllowedSigners(trust.sshAllowedSignersFile);
  const allowedSignersFile = join(workDir, "allowed_signers");
  await rm(allowedSignersFile, { force: true });
  if (signers === null) return { keys: { gpgFingerprints, sshSigners: [] }, gnupgHome, allowedSignersFile: null, gpgKeys };
  await writeFile(allowedSignersFile, signers.text, { mode: 0o600 });
  return { keys: { gpgFingerprints, sshSigners: signers.entries }, gnupgHome, allowedSignersFile, gpgKeys };
}

async function importGpgKeys(file: string, gnupgHome: string): Promise<string[]> {
  try {
    await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new SignatureConfigError(file, `cannot read the GPG public key file ${file} (${code})`, { cause: error });
  }
  const result = await runProcess("gpg", ["--batch", "--no-tty", "--status-fd", "1", "--import", "--", file], { env: { GNUPGHOME: gnupgHome }, timeoutMs: GPG_TIMEOUT_MS });
  const fingerprints = [...String(result.stdout).matchAll(/^\[GNUPG:\] IMPORT_OK \d+ ([0-9A-F]+)$/gm)].map((match) => match[1] ?? "");
  if (fingerprints.length === 0) {
    const reason = result.spawnError ? `gpg could not run (${result.spawnError.message})` : result.stoppedBy ? "gpg timed out" : "it contains no OpenPGP public key";
    throw new SignatureConfigError(file, `invalid GPG public key file ${file}: ${reason}`, { cause: result });
  }
  return fingerprints;
}

/** Keys of the isolated keyring are trusted by definition; saying so makes gpg report G, not U. */
async function setUltimateTrust(fingerprints: readonly string[], gnupgHome: string): Promise<void> {
  const result = await runProcess("gpg", ["--batch", "--no-tty", "--import-ownertrust"], {
    env: { GNUPGHOME: gnupgHome },
    input: fingerprints.map((fingerprint) => `${fingerprint}:6:\n`).join(""),
    timeoutMs: GPG_TIMEOUT_MS,
  });
  if (result.exitCode !== 0) throw new SignatureConfigError(gnupgHome, `cannot set the trust of the GPG keys: ${result.stderrLines.join("\n")}`, { cause: result });
}

/** Primary keys and subkeys: git reports the fingerprint of the (sub)key that made the signature. */
async function keyringFingerprints(gnupgHome: string): Promise<string[]> {
  const result = await runProcess("gpg", ["--batch", "--no-tty", "--with-colons", "--fixed-list-mode", "--with-subkey-fingerprint", "--list-keys"], {
    env: { GNUPGHOME: gnupgHome },
    timeoutMs: GPG_TIMEOUT_MS,
  });
  if (result.exitCode !== 0) throw new SignatureConfigError(gnupgHome, `cannot list the imported GPG keys: ${result.stderrLines.join("\n")}`, { cause: result });
  return [...result.stdout.matchAll(/^fpr:(?:[^:]*:){8}([0-9A-F]+):/gm)].map((match) => match[1] ?? "");
}

async function readAllowedSigners(file: string): Promise<{ text: string; entries: AllowedSigner[] }> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new SignatureConfigError(file, `cannot read the SSH allowed-signers file ${file} (${code})`, { cause: error });
  }
  let entries: AllowedSigner[];
  try {
    entries = parseAllowedSigners(text);
  } catch (error) {
    if (!(error instanceof AllowedSignersSyntaxError)) throw error;
    throw new SignatureConfigError(file, `invalid SSH allowed-signers file ${file}, ${error.message}`, { cause: error });
  }
  if (entries.length === 0) {
    throw new SignatureConfigError(file, `invalid SSH allowed-signers file ${file}: it contains no public key (expected lines "<principal> [options] <key type> <base64 key>")`);
  }
  return { text, entries };
}
