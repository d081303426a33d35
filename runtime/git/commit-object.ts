/**
 * Reads a raw commit object (`git cat-file commit`): its message verbatim and its signature
 * headers. Parsing the object ourselves keeps commit messages away from any format string or shell.
 *
 * Signature headers are found the way git finds them (commit.c, parse_buffer_signed_by_header):
 * only in the header block (up to the first empty line); a header is a line that does not start
 * with a space, and the lines starting with a space that follow it are its continuation. git
 * leaves every header whose name starts with "gpgsig" out of the signed payload, and verifies only
 * the one named for the repository's hash algorithm.
 */

export type SignatureKind = "openpgp" | "ssh" | "x509" | "unknown";

export interface CommitSignature {
  /** The header's name as written: "gpgsig", "gpgsig-sha256", or anything else starting with "gpgsig". */
  header: string;
  /** Which tool made it, from its first line. */
  kind: SignatureKind;
  /** The header's value and its continuation lines (without their leading space), joined with "\n". */
  armored: string;
}

export type HashAlgorithm = "sha1" | "sha256";

/** The header git verifies in a repository of each hash algorithm. */
export const SIGNATURE_HEADER: Readonly<Record<HashAlgorithm, string>> = { sha1: "gpgsig", sha256: "gpgsig-sha256" };

/** Headers end at the first empty line. */
function splitCommit(raw: string): { headers: string; message: string } {
  const end = raw.indexOf("\n\n");
  if (end === -1) return { headers: raw, message: "" };
  return { headers: raw.slice(0, end), message: raw.slice(end + 2) };
}

export function commitMessageOf(raw: string): string {
  return splitCommit(raw).message;
}

/** The `parent` headers of a commit object, in order. */
export function commitParentsOf(raw: string): string[] {
  const parents: string[] = [];
  for (const line of splitCommit(raw).headers.split("\n")) {
    if (line.startsWith("parent ")) parents.push(line.slice("parent ".length));
  }
  return parents;
}

/** Every signature header of the commit, in order: git verifies at most one of them. */
export function commitSignaturesOf(raw: string): CommitSignature[] {
  const found: Array<{ header: string; lines: string[] }> = [];
  let current: string[] | null = null;
  for (const line of splitCommit(raw).headers.split("\n")) {
    if (line.startsWith(" ")) {
      current?.push(line.slice(1));
      continue;
    }
    current = null;
    if (!line.startsWith("gpgsig")) continue;
    const space = line.indexOf(" ");
    current = [space === -1 ? "" : line.slice(space + 1)];
    found.push({ header: space === -1 ? line : line.slice(0, space), lines: current });
  }
  return found.map(({ header, lines }) => {
    const armored = lines.join("\n");
    return { header, kind: signatureKind(armored), armored };
  });
}

const ARMOR: Readonly<Record<"openpgp" | "ssh" | "x509", { begin: string; end: string }>> = {
  openpgp: { begin: "-----BEGIN PGP SIGNATURE-----", end: "-----END PGP SIGNATURE-----" },
  ssh: { begin: "-----BEGIN SSH SIGNATURE-----", end: "-----END SSH SIGNATURE-----" },
  x509: { begin: "-----BEGIN SIGNED MESSAGE-----", end: "-----END SIGNED MESSAGE-----" },
};

function signatureKind(armored: string): SignatureKind {
  for (const kind of ["openpgp", "ssh", "x509"] as const) {
    if (armored.startsWith(ARMOR[kind].begin)) return kind;
  }
  return "unknown";
}

/**
 * The signature is one armored block and nothing else. ssh-keygen reads only the first block of a
 * file and ignores what follows: anything we read beyond what the verifier reads is refused.
 */
export function isSingleArmoredBlock(signature: CommitSignature): boolean {
  if (signature.kind === "unknown") return false;
  const { begin, end } = ARMOR[signature.kind];
  const text = signature.armored.replace(/\n+$/, "");
  return text.startsWith(`${begin}\n`) && text.endsWith(`\n${end}`) && text.indexOf(begin, 1) === -1 && text.indexOf(end) === text.length - end.length;
}
