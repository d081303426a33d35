/**
 * Signing keys made by real gpg and ssh-keygen, in temporary homes (never the user's keyring):
 * `createGpgKey` (optionally from the past, expiring, with a signing subkey), `revokeGpgKey`,
 * `createSshKey`, `writeAllowedSigners`.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import type { Teardown } from "./temp.js";

export interface GpgKey {
  kind: "gpg";
  /** The temporary GNUPGHOME holding the secret key. */
  gnupgHome: string;
  /** Of the primary key. */
  fingerprint: string;
  /** Of the key that makes signatures: the signing subkey if there is one, else the primary key. */
  signingFingerprint: string;
  /** "Name <email>", as git reports it in %GS. */
  userId: string;
  /** The armored public key, for `signatures.gpgPublicKeyFiles`. */
  publicKeyFile: string;
}

export interface SshKey {
  kind: "ssh";
  privateKeyFile: string;
  publicKeyFile: string;
  /** "<type> <base64>" */
  publicKey: string;
  /** "SHA256:…", as ssh-keygen and git print it. */
  fingerprint: string;
  principal: string;
}

export type Signer = GpgKey | SshKey;

export interface GpgKeyOptions {
  /**
   * gpg's clock ("20200101T000000") when the key is made and whenever it signs: a key and
   * signatures from the past, for expiry. Written to the key's gpg.conf, so git's signing uses it.
   */
  fakedTime?: string;
  /** Expiry of the signing key from its creation, as gpg takes it ("1d"). @default "never" */
  expire?: string;
  /** Expiry of every signature the key makes ("1d"). */
  signatureExpire?: string;
  /** A certify-only primary key and a separate signing subkey. */
  signingSubkey?: boolean;
  /** Every signature carries the signer's public key (gpg's include-key-block). */
  includeKeyBlock?: boolean;
}

/**
 * An ed25519 GPG key without passphrase, in its own GNUPGHOME under `dir`. Its gpg-agent is
 * stopped when the test ends.
 */
export async function createGpgKey(t: Teardown, dir: string, name = "Alice", email = `${name.toLowerCase()}@example.test`, options: GpgKeyOptions = {}): Promise<GpgKey> {
  const gnupgHome = path.join(dir, `gnupg-${name.toLowerCase()}`);
  await mkdir(gnupgHome, { recursive: true, mode: 0o700 });
  t.teardown(async () => {
    await execa("gpgconf", ["--kill", "all"], { env: { GNUPGHOME: gnupgHome }, reject: false });
  });
  const conf = [
    options.fakedTime ? `faked-system-time ${options.fakedTime}` : "",
    options.signatureExpire ? `default-sig-expire ${options.signatureExpire}` : "",
    options.includeKeyBlock ? "include-key-block" : "",
  ];
  await writeFile(path.join(gnupgHome, "gpg.conf"), conf.filter(Boolean).map((line) => `${line}\n`).join(""));
  const env = { GNUPGHOME: gnupgHome };
  const gpg = (args: string[]) => execa("gpg", ["--batch", "--no-tty", "--passphrase", "", ...args], { env, stdin: "ignore" });
  const userId = `${name} <${email}>`;
  const expire = options.expire ?? "never";
  await gpg(["--quick-gen-key", userId, "ed25519", options.signingSubkey ? "cert" : "sign", options.signingSubkey ? "never" : expire]);
  const primary = await fingerprints(gnupgHome, userId);
  const fingerprint = primary[0];
  if (!fingerprint) throw new Error(`no fingerprint for the new key of ${userId}`);
  if (options.signingSubkey) await gpg(["--quick-add-key", fingerprint, "ed25519", "sign", expire]);
  const all = await fingerprints(gnupgHome, userId);
  const publicKeyFile = path.join(dir, `${name.toLowerCase()}.asc`);
  const key: GpgKey = { kind: "gpg", gnupgHome, fingerprint, signingFingerprint: all[all.length - 1] ?? fingerprint, userId, publicKeyFile };
  await exportPublicKey(key);
  return key;
}

/** Revokes the key (the revocation certificate gpg made with it) and rewrites its public key file. */
export async function revokeGpgKey(key: GpgKey): Promise<void> {
  const certificate = await readFile(path.join(key.gnupgHome, "openpgp-revocs.d", `${key.fingerprint}.rev`), "utf8");
  // gpg prefixes the armor line with ":" so that the certificate is not imported by mistake.
  await execa("gpg", ["--batch", "--no-tty", "--import"], { env: { GNUPGHOME: key.gnupgHome }, input: certificate.replace(/^:-----BEGIN/m, "-----BEGIN") });
  await exportPublicKey(key);
}

async function exportPublicKey(key: GpgKey): Promise<void> {
  const exported = await execa("gpg", ["--batch", "--armor", "--export", key.fingerprint], { env: { GNUPGHOME: key.gnupgHome } });
  await writeFile(key.publicKeyFile, String(exported.stdout));
}

/** Primary first, then subkeys. */
async function fingerprints(gnupgHome: string, userId: string): Promise<string[]> {
  const listing = await execa("gpg", ["--batch", "--with-colons", "--with-subkey-fingerprint", "--list-secret-keys", userId], { env: { GNUPGHOME: gnupgHome } });
  return [...String(listing.stdout).matchAll(/^fpr:+([0-9A-F]+):/gm)].map((match) => match[1] ?? "");
}

/** An SSH key without passphrase (ed25519 by default) under `dir`. */
export async function createSshKey(dir: string, principal = "alice@example.test", type: "ed25519" | "rsa" | "ecdsa" = "ed25519"): Promise<SshKey> {
  const privateKeyFile = path.join(dir, `ssh-${principal.replace(/[^A-Za-z0-9]/g, "_")}-${type}`);
  await execa("ssh-keygen", ["-q", "-t", type, "-N", "", "-C", principal, "-f", privateKeyFile], { stdin: "ignore" });
  const publicKeyFile = `${privateKeyFile}.pub`;
  const publicKey = (await readFile(publicKeyFile, "utf8")).trim().split(/\s+/).slice(0, 2).join(" ");
  const listing = await execa("ssh-keygen", ["-l", "-E", "sha256", "-f", publicKeyFile], { stdin: "ignore" });
  const fingerprint = String(listing.stdout).split(" ")[1] ?? "";
  return { kind: "ssh", privateKeyFile, publicKeyFile, publicKey, fingerprint, principal };
}

/** Writes an allowed-signers file trusting these keys for git signatures; returns its path. */
export async function writeAllowedSigners(file: string, keys: readonly SshKey[], options = 'namespaces="git"'): Promise<string> {
  await writeFile(file, keys.map((key) => `${key.principal} ${options} ${key.publicKey}\n`).join(""));
  return file;
}
