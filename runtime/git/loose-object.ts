/**
 * Reading a loose object of the agent's bare repository without starting git: the commits a
 * small fetch brings arrive as loose objects (`objects/ab/cdef…`, zlib of "<type> <size>\0<bytes>"),
 * and a git process per read is most of what the agent adds to a deployment on top of git and
 * Nix (bench/README.md, overheadRatio).
 *
 * Only what is certain is answered: the object must inflate within a bound and hash to its name
 * (so its bytes are exactly the object named, as git would read them, replace refs aside). Anything
 * else (a packed object, a missing or unreadable file, a bomb, a mismatch) is null, and the caller
 * asks git, which then says what is wrong.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, renameSync, writeSync } from "node:fs";
import { mkdir, readFile, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { inflateSync } from "node:zlib";
import { OBJECT_ID } from "./object-id.js";

export interface LooseObject {
  type: string;
  size: number;
  content: Buffer;
}

/** Longest "<type> <size>" header git writes ("commit 18446744073709551615"). */
const MAX_HEADER = 32;

export async function readLooseObject(gitDir: string, sha: string, maxBytes: number): Promise<LooseObject | null> {
  if (!OBJECT_ID.test(sha)) return null;
  const file = path.join(gitDir, "objects", sha.slice(0, 2), sha.slice(2));
  let compressed: Buffer;
  try {
    // A pushed object of gigabytes is never read into memory: zlib never makes data more than a
    // few bytes per 16 KiB larger, so a file past the bound holds an object past it.
    if ((await stat(file)).size > maxBytes + MAX_HEADER + 1024) return null;
    compressed = await readFile(file);
  } catch {
    return null;
  }
  let data: Buffer;
  try {
    // maxOutputLength: a small file may inflate to gigabytes; past the bound it throws.
    data = inflateSync(compressed, { maxOutputLength: maxBytes + MAX_HEADER + 1 });
  } catch {
    return null;
  }
  const nul = data.indexOf(0);
  if (nul < 0 || nul > MAX_HEADER) return null;
  const [type = "", size = ""] = data.subarray(0, nul).toString("latin1").split(" ");
  if (!/^[a-z]+$/.test(type) || !/^\d+$/.test(size)) return null;
  const content = data.subarray(nul + 1);
  if (content.length !== Number(size)) return null;
  if (createHash(sha.length === 64 ? "sha256" : "sha1").update(data).digest("hex") !== sha) return null;
  return { type, size: content.length, content };
}

/**
 * Points the loose ref `ref` at `sha` the way git does (`<ref>.lock` created exclusively, written,
 * renamed over the ref). False when it could not (a lock held by a running git, an unexpected
 * layout): the caller then runs `git update-ref`. For a repository with the files ref backend
 * only, and an object known to be a commit of it.
 */
export async function writeLooseRef(gitDir: string, ref: string, sha: string): Promise<boolean> {
  if (!OBJECT_ID.test(sha) || !/^refs\/heads\/[A-Za-z0-9/_-]+$/.test(ref) || ref.includes("//")) return false;
  const file = path.join(gitDir, ref);
  const lock = `${file}.lock`;
  await mkdir(path.dirname(file), { recursive: true }).catch(() => {});
  // Synchronous, like git's own few system calls: a kill cannot land between two event-loop turns
  // with the lock created and not yet renamed (a stale lock would block the ref until the next start).
  let created = false;
  try {
    const fd = openSync(lock, "wx", 0o644);
    created = true;
    try {
      writeSync(fd, `${sha}\n`);
    } finally {
      closeSync(fd);
    }
    renameSync(lock, file);
    return true;
  } catch {
    if (created) await unlink(lock).catch(() => {});
    return false;
  }
}
