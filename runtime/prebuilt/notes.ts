/**
 * The agent's side of the manifests (behaviour.md §15): the note of a candidate commit, read from
 * the copy of the notes ref fetched from the candidate's own remote, after the signature gate on
 * the notes ref's head when signature trust is configured. Every way of not finding a usable
 * system for this host is a `reason` shown in status.
 */
import { runGit } from "../git/run.js";
import type { SignatureVerifier } from "../git/signatures.js";
import { hostSystem, readManifest, remoteNotesRef, type ManifestHost } from "./manifest.js";

/** A note is a few hundred bytes per host; a larger one is not read. */
const MAX_NOTE_BYTES = 4 * 1024 * 1024;

export type PublishedSystem = { ok: true; system: ManifestHost; notesHead: string } | { ok: false; reason: string };

export interface NoteLookup {
  gitDir: string;
  remote: string;
  notesRef: string;
  commit: string;
  hostname: string;
  verifier: SignatureVerifier | null;
  signal?: AbortSignal;
}

/** This host's system for `commit`, as published on the candidate's remote. */
export async function findPublishedSystem(args: NoteLookup): Promise<PublishedSystem> {
  const local = remoteNotesRef(args.remote, args.notesRef);
  const git = { cwd: args.gitDir, gitDir: args.gitDir, ...(args.signal ? { signal: args.signal } : {}) };
  const head = await runGit(["rev-parse", "--verify", "--quiet", "--end-of-options", `${local}^{commit}`], { ...git, okExitCodes: [0, 1] });
  if (head.exitCode !== 0) return { ok: false, reason: `no manifest: ${args.remote} has no notes ref ${args.notesRef} (nothing published yet)` };
  const notesHead = head.stdout.trim();

  if (args.verifier?.enabled) {
    const verdict = await args.verifier.verify(args.gitDir, notesHead);
    if (!verdict.ok) return { ok: false, reason: `the notes ref ${args.notesRef} of ${args.remote} (commit ${notesHead}) is not signed by a trusted key (${verdict.reason}): its manifests are ignored` };
  }

  // Read from the verified notes commit itself: the ref may move meanwhile (a fetch).
  const blobId = await noteBlob(git, notesHead, args.commit);
  if (blobId === null) return { ok: false, reason: `no manifest for ${args.commit} in ${args.notesRef} of ${args.remote}` };
  const size = await runGit(["cat-file", "-s", blobId], git);
  if (Number(size.stdout.trim()) > MAX_NOTE_BYTES) return { ok: false, reason: `the manifest of ${args.commit} is too large (${size.stdout.trim()} bytes, at most ${MAX_NOTE_BYTES})` };
  const text = await runGit(["cat-file", "blob", blobId], git);

  const reading = readManifest(text.stdout);
  if (!reading.ok) return { ok: false, reason: `the manifest of ${args.commit} in ${args.notesRef} of ${args.remote} is unusable: ${reading.reason}` };
  const found = hostSystem(reading.manifest, args.commit, args.hostname);
  if (!found.ok) return { ok: false, reason: `the manifest of ${args.commit} in ${args.notesRef} of ${args.remote} is unusable: ${found.reason}` };
  return { ok: true, system: found.system, notesHead };
}

/**
 * The note's blob in the notes commit's tree: git stores a note at the annotated object's id,
 * split into fan-out directories (`ab/cdef…`, `ab/cd/ef…`) once there are many notes.
 */
async function noteBlob(git: { cwd: string; gitDir: string; signal?: AbortSignal }, notesHead: string, commit: string): Promise<string | null> {
  const paths = [0, 1, 2, 3].map((levels) => {
    const parts: string[] = [];
    for (let i = 0; i < levels; i++) parts.push(commit.slice(2 * i, 2 * i + 2));
    parts.push(commit.slice(2 * levels));
    return parts.join("/");
  });
  const { stdout } = await runGit(["cat-file", "--batch-check=%(objectname) %(objecttype)"], { ...git, input: paths.map((p) => `${notesHead}:${p}\n`).join(""), what: "git cat-file (notes)" });
  for (const line of stdout.split("\n")) {
    const [id, type] = line.trim().split(" ");
    if (id && type === "blob") return id;
  }
  return null;
}
