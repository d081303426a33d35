/**
 * Reads a raw commit object (`git cat-file commit`): its message verbatim and its signature.
 * Parsing the object ourselves keeps commit messages away from any format string or shell.
 */

export interface CommitSignature {
  /** Which tool made it, from the armor line. */
  kind: "openpgp" | "ssh" | "x509" | "unknown";
  armored: string;
}

/** Headers end at the first empty line; multi-line headers continue with a leading space. */
function splitCommit(raw: string): { headers: string; message: string } {
  const end = raw.indexOf("\n\n");
  if (end === -1) return { headers: raw, message: "" };
  return { headers: raw.slice(0, end), message: raw.slice(end + 2) };
}

export function commitMessageOf(raw: string): string {
  return splitCommit(raw).message;
}

export function commitSignatureOf(raw: string): CommitSignature | null {
  const lines = splitCommit(raw).headers.split("\n");
  const start = lines.findIndex((line) => line.startsWith("gpgsig ") || line.startsWith("gpgsig-sha256 "));
  if (start === -1) return null;
  const first = lines[start] ?? "";
  const body = [first.slice(first.indexOf(" ") + 1)];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith(" ")) break;
    body.push(line.slice(1));
  }
  const armored = body.join("\n");
  return { kind: signatureKind(armored), armored };
}

function signatureKind(armored: string): CommitSignature["kind"] {
  if (armored.startsWith("-----BEGIN PGP SIGNATURE-----")) return "openpgp";
  if (armored.startsWith("-----BEGIN SSH SIGNATURE-----")) return "ssh";
  if (armored.startsWith("-----BEGIN SIGNED MESSAGE-----")) return "x509";
  return "unknown";
}
