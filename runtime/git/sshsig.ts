/**
 * Reads the algorithms of an SSH signature (the SSHSIG format of OpenSSH's PROTOCOL.sshsig), so
 * that SHA-1 signatures can be refused before git and ssh-keygen are asked whether they are good.
 */

export interface SshSignatureAlgorithms {
  /** Type of the signing key, e.g. "ssh-ed25519", "ssh-rsa". */
  keyType: string;
  /** Signature algorithm, e.g. "ssh-ed25519", "rsa-sha2-512", or the SHA-1 "ssh-rsa". */
  signatureAlgorithm: string;
  /** Hash of the signed data, "sha256" or "sha512". */
  hashAlgorithm: string;
}

/** Signature algorithms built on SHA-1. */
export const SHA1_SSH_ALGORITHMS: ReadonlySet<string> = new Set(["ssh-rsa", "ssh-dss", "ssh-rsa-cert-v01@openssh.com", "ssh-dss-cert-v01@openssh.com"]);

/** Returns null when `armored` is not a readable SSH signature. */
export function sshSignatureAlgorithms(armored: string): SshSignatureAlgorithms | null {
  const match = /-----BEGIN SSH SIGNATURE-----([\s\S]*?)-----END SSH SIGNATURE-----/.exec(armored);
  if (!match?.[1]) return null;
  const blob = Buffer.from(match[1].replace(/\s+/g, ""), "base64");
  try {
    const reader = new SshReader(blob);
    if (reader.bytes(6).toString("latin1") !== "SSHSIG") return null;
    reader.uint32(); // version
    const publicKey = new SshReader(reader.string());
    const keyType = publicKey.string().toString("latin1");
    reader.string(); // namespace
    reader.string(); // reserved
    const hashAlgorithm = reader.string().toString("latin1");
    const signature = new SshReader(reader.string());
    const signatureAlgorithm = signature.string().toString("latin1");
    return { keyType, signatureAlgorithm, hashAlgorithm };
  } catch {
    return null;
  }
}

/** Why an SSH signature is refused for its algorithms alone, or null. */
export function weakSshSignature(algorithms: SshSignatureAlgorithms): string | null {
  if (SHA1_SSH_ALGORITHMS.has(algorithms.signatureAlgorithm)) {
    return `its SSH signature algorithm ${algorithms.signatureAlgorithm} uses SHA-1`;
  }
  if (algorithms.keyType === "ssh-dss") return "it is signed with a DSA key (ssh-dss)";
  return null;
}

class SshReader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}

  bytes(length: number): Buffer {
    if (this.offset + length > this.buffer.length) throw new RangeError("truncated SSH signature");
    const out = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  uint32(): number {
    return this.bytes(4).readUInt32BE(0);
  }

  string(): Buffer {
    return this.bytes(this.uint32());
  }
}
