/**
 * Hostile commit objects, as an attacker who can push makes them: read a commit byte for byte,
 * compute the payload git signs, sign any payload with a real key (gpg, ssh-keygen), put headers
 * where git would not, and write the object with `git hash-object -t commit -w`.
 */
import { execa } from "execa";
import type { GpgKey, SshKey } from "./keys.js";

const GIT_ENV = { GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };

/** The commit object exactly as stored. */
export async function readCommit(gitDir: string, sha: string): Promise<string> {
  const result = await execa("git", ["cat-file", "commit", sha], { cwd: gitDir, env: GIT_ENV, stripFinalNewline: false, stdin: "ignore" });
  return String(result.stdout);
}

/**
 * Writes `raw` as a commit object; returns its id. `literally` skips git's format checks
 * (`--literally`), for objects fsck would refuse; fetching does not check them by default.
 */
export async function writeCommit(gitDir: string, raw: string | Buffer, options: { literally?: boolean; type?: "commit" | "blob" } = {}): Promise<string> {
  const args = ["hash-object", "-t", options.type ?? "commit", "-w", "--stdin", ...(options.literally ? ["--literally"] : [])];
  const result = await execa("git", args, { cwd: gitDir, env: GIT_ENV, input: raw });
  return String(result.stdout).trim();
}

const splitAt = (raw: string) => {
  const end = raw.indexOf("\n\n");
  return end === -1 ? { headers: `${raw.replace(/\n$/, "")}\n`, rest: "" } : { headers: raw.slice(0, end + 1), rest: raw.slice(end + 1) };
};

/** What git signs: the object without its signature headers (every header named gpgsig*). */
export function payloadOf(raw: string): string {
  const { headers, rest } = splitAt(raw);
  const kept: string[] = [];
  let inSignature = false;
  for (const line of headers.split("\n").slice(0, -1)) {
    if (inSignature && line.startsWith(" ")) continue;
    inSignature = line.startsWith("gpgsig");
    if (!inSignature) kept.push(line);
  }
  return `${kept.join("\n")}\n${rest}`;
}

/** `raw` with these headers added at the end of its header block (multi-line values continue with a space). */
export function withHeaders(raw: string, headers: ReadonlyArray<readonly [name: string, value: string]>): string {
  const { headers: block, rest } = splitAt(raw);
  return `${block}${headers.map(([name, value]) => header(name, value)).join("")}${rest}`;
}

export function header(name: string, value: string): string {
  return `${name} ${value.replace(/\n$/, "").split("\n").join("\n ")}\n`;
}

/** A signature git would make with this SSH key (`ssh-keygen -Y sign -n git`), armored. */
export async function sshSign(key: SshKey, payload: string | Buffer): Promise<string> {
  const result = await execa("ssh-keygen", ["-q", "-Y", "sign", "-n", "git", "-f", key.privateKeyFile], { input: payload });
  return String(result.stdout).trim();
}

/** A detached, armored OpenPGP signature of `payload` by this key (with its gpg.conf: faked time…). */
export async function gpgSign(key: GpgKey, payload: string | Buffer): Promise<string> {
  const result = await execa("gpg", ["--batch", "--no-tty", "--armor", "--detach-sign", "--local-user", key.fingerprint], { env: { GNUPGHOME: key.gnupgHome }, input: payload });
  return String(result.stdout).trim();
}

/** A signed commit made of `payload` and one signature header. */
export function signedWith(payload: string, name: string, signature: string): string {
  return withHeaders(payload, [[name, signature]]);
}

/** A PGP armor that looks like a signature and is none: the decoy of a forgery. */
export const DECOY_PGP_SIGNATURE = ["-----BEGIN PGP SIGNATURE-----", "", "iHUEABYKAB0WIQRkZWNveS1ub3QtYS1zaWduYXR1cmUAAAAAAAoJEGRlY295AAAA", "=AAAA", "-----END PGP SIGNATURE-----"].join("\n");
