/**
 * The SSH allowed-signers file (ssh-keygen(1), ALLOWED SIGNERS), read by the gate itself so that
 * git's SSH verdict can be checked against it: which principal may sign with which key, in which
 * namespaces, and when. Lines are `principals [options] keytype base64-key [comment]`.
 */
import { createHash } from "node:crypto";

export interface AllowedSigner {
  /** 1-based line number in the file. */
  line: number;
  /** The principals field: comma-separated patterns ("*", "?", "!" negates), as ssh-keygen reads it. */
  principals: string;
  certAuthority: boolean;
  /** The `namespaces` option (patterns), or null when absent (every namespace). */
  namespaces: string | null;
  validAfter: Date | null;
  validBefore: Date | null;
  /** "SHA256:<base64>", as ssh-keygen and git print it. */
  fingerprint: string;
}

/** A line ssh-keygen could not use either: the agent refuses to start rather than trust less than configured. */
export class AllowedSignersSyntaxError extends Error {
  override readonly name = "AllowedSignersSyntaxError";
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

const KEY_TYPES: ReadonlySet<string> = new Set(
  ["ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"].flatMap(
    (type) => [type, type.replace(/(@openssh\.com)?$/, "-cert-v01@openssh.com")],
  ),
);

/** Entries of the file, in order; comments and empty lines skipped. Throws AllowedSignersSyntaxError. */
export function parseAllowedSigners(text: string): AllowedSigner[] {
  const entries: AllowedSigner[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#")) return;
    entries.push(parseEntry(line, index + 1));
  });
  return entries;
}

function parseEntry(text: string, line: number): AllowedSigner {
  const fail = (message: string) => new AllowedSignersSyntaxError(line, message);
  const [principals, afterPrincipals] = takeToken(text, fail);
  let [next, rest] = takeToken(afterPrincipals, fail);
  let options = "";
  if (!KEY_TYPES.has(next)) {
    options = next;
    [next, rest] = takeToken(rest, fail);
  }
  if (!KEY_TYPES.has(next)) throw fail(`expected "<principals> [options] <key type> <base64 key>", got key type ${JSON.stringify(next)}`);
  const [base64] = takeToken(rest, fail);
  const blob = Buffer.from(base64, "base64");
  if (base64 === "" || blob.toString("base64").replace(/=+$/, "") !== base64.replace(/=+$/, "") || embeddedKeyType(blob) !== next) {
    throw fail(`the ${next} key is not valid base64 of a ${next} key`);
  }
  const fingerprint = `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
  return { line, principals: unquote(principals), ...parseOptions(options, fail), fingerprint };
}

function parseOptions(options: string, fail: (message: string) => Error): Pick<AllowedSigner, "certAuthority" | "namespaces" | "validAfter" | "validBefore"> {
  const parsed: Pick<AllowedSigner, "certAuthority" | "namespaces" | "validAfter" | "validBefore"> = { certAuthority: false, namespaces: null, validAfter: null, validBefore: null };
  for (const option of splitOutsideQuotes(options, ",")) {
    if (option === "") continue;
    const equals = option.indexOf("=");
    const name = (equals === -1 ? option : option.slice(0, equals)).toLowerCase();
    const value = equals === -1 ? null : unquote(option.slice(equals + 1));
    if (name === "cert-authority" && value === null) parsed.certAuthority = true;
    else if (name === "namespaces" && value !== null) parsed.namespaces = value;
    else if (name === "valid-after" && value !== null) parsed.validAfter = parseTime(value, fail);
    else if (name === "valid-before" && value !== null) parsed.validBefore = parseTime(value, fail);
    else throw fail(`unknown option ${JSON.stringify(option)} (ssh-keygen knows cert-authority, namespaces, valid-after, valid-before)`);
  }
  return parsed;
}

/** OpenSSH's absolute times: YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, in local time unless it ends with Z. */
function parseTime(value: string, fail: (message: string) => Error): Date {
  const match = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z?)$/.exec(value);
  if (!match) throw fail(`invalid time ${JSON.stringify(value)} (expected YYYYMMDD[HHMM[SS]][Z])`);
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const utc = match[7] === "Z";
  const date = utc ? new Date(Date.UTC(year, month - 1, day, hour, minute, second)) : new Date(year, month - 1, day, hour, minute, second);
  // Date rolls 20240230 over into March: a field out of range shows as a different day or month.
  const [gotMonth, gotDay] = utc ? [date.getUTCMonth(), date.getUTCDate()] : [date.getMonth(), date.getDate()];
  if (gotMonth !== month - 1 || gotDay !== day || hour > 23 || minute > 59 || second > 59) throw fail(`invalid time ${JSON.stringify(value)}`);
  return date;
}

/** OpenSSH's match_pattern_list: some pattern matches and no negated one does. */
export function matchesPatternList(value: string, patterns: string): boolean {
  let positive = false;
  for (const pattern of patterns.split(",")) {
    const negated = pattern.startsWith("!");
    if (!matchesPattern(value, negated ? pattern.slice(1) : pattern)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

function matchesPattern(value: string, pattern: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]");
  return new RegExp(`^${source}$`).test(value);
}

/** Whether the entry's validity window (valid-after, valid-before) contains `now`. */
export function isValidAt(entry: AllowedSigner, now: Date): boolean {
  return (entry.validAfter === null || now >= entry.validAfter) && (entry.validBefore === null || now <= entry.validBefore);
}

function takeToken(text: string, fail: (message: string) => Error): [token: string, rest: string] {
  const [token = "", ...rest] = splitOutsideQuotes(text.trimStart(), " \t", 1);
  if (token === "") throw fail(`expected "<principals> [options] <key type> <base64 key>"`);
  return [token, (rest[0] ?? "").trimStart()];
}

/** Splits on any of `separators` outside double quotes; at most `limit` splits. */
function splitOutsideQuotes(text: string, separators: string, limit = Infinity): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length && parts.length < limit; i += 1) {
    const char = text[i] ?? "";
    if (char === '"') quoted = !quoted;
    else if (!quoted && separators.includes(char)) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

/** The key type written inside an SSH public key blob (its first string), or null. */
function embeddedKeyType(blob: Buffer): string | null {
  if (blob.length < 4) return null;
  const length = blob.readUInt32BE(0);
  return blob.length < 4 + length ? null : blob.subarray(4, 4 + length).toString("latin1");
}
