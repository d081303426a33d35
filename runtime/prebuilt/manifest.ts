/**
 * The manifest of a published commit (behaviour.md §15): the JSON git note `comin publish` attaches
 * to a commit under the notes ref, naming one system per host. Its schema, how it is read (every
 * problem named), how two publications of one commit merge, and where the agent keeps each
 * remote's copy of the notes ref.
 */
import { z } from "zod";
import { OBJECT_ID } from "../git/object-id.js";

/** A store path as Nix prints it: /nix/store/<32 base-32 characters>-<name>. */
const STORE_PATH = /^\/[^\s\0]*\/[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\-._?=]+$/;

const StorePath = z.string().regex(STORE_PATH, { error: (issue) => `expected a store path such as /nix/store/<hash>-<name>, got ${JSON.stringify(issue.input)}` });

export const ManifestHost = z.strictObject({
  outPath: StorePath,
  drvPath: StorePath.refine((value) => value.endsWith(".drv"), { error: "expected a derivation (.drv)" }).nullable(),
  machineId: z.string().nullable(),
});
export type ManifestHost = z.infer<typeof ManifestHost>;

export const Manifest = z.strictObject({
  schemaVersion: z.literal(1, { error: "expected schemaVersion 1" }),
  commit: z.string().regex(OBJECT_ID, { error: "expected a full commit id" }),
  hosts: z.record(z.string().min(1), ManifestHost),
});
export type Manifest = z.infer<typeof Manifest>;

export type ManifestReading = { ok: true; manifest: Manifest } | { ok: false; reason: string };

/** Parses a note's text; `reason` names what is wrong and where. */
export function readManifest(text: string): ManifestReading {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `it is not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const parsed = Manifest.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.length ? issue.path.join(".") : "(top level)"}: ${issue.message}`);
    return { ok: false, reason: `it is not a valid manifest (${problems.join("; ")})` };
  }
  return { ok: true, manifest: parsed.data };
}

/**
 * This host's system in the manifest of `commit`, or why there is none. A manifest names its own
 * commit: a note copied onto another commit is not trusted to describe it.
 */
export function hostSystem(manifest: Manifest, commit: string, hostname: string): { ok: true; system: ManifestHost } | { ok: false; reason: string } {
  if (manifest.commit !== commit) return { ok: false, reason: `it was published for commit ${manifest.commit}, not ${commit}` };
  const system = Object.hasOwn(manifest.hosts, hostname) ? manifest.hosts[hostname] : undefined;
  if (!system) {
    const hosts = Object.keys(manifest.hosts);
    return { ok: false, reason: `it has no system for host ${JSON.stringify(hostname)} (hosts: ${hosts.length ? hosts.join(", ") : "none"})` };
  }
  return { ok: true, system };
}

/** Publishing again for the same commit merges hosts: the newer entry of a host wins. */
export function mergeManifest(previous: Manifest | null, commit: string, hosts: Record<string, ManifestHost>): Manifest {
  const kept = previous && previous.commit === commit ? previous.hosts : {};
  const merged = { ...kept, ...hosts };
  const sorted = Object.fromEntries(Object.keys(merged).sort().map((host) => [host, merged[host] as ManifestHost]));
  return { schemaVersion: 1, commit, hosts: sorted };
}

/**
 * Where the agent keeps `remote`'s notes ref: `refs/notes/remotes/<remote>/<name>` (under
 * refs/notes/ so that `git notes --ref` reads it as it is).
 */
export function remoteNotesRef(remote: string, notesRef: string): string {
  return `refs/notes/remotes/${remote}/${notesRef.slice("refs/notes/".length)}`;
}

/**
 * The fetch refspec of the notes ref. A trailing `*` makes it a pattern: a remote without the ref
 * (nothing published yet) matches nothing instead of failing the whole fetch, and `--prune` drops
 * the copy when the ref is deleted. The pattern also matches longer names (`comin*`), whose copies
 * nobody reads.
 */
export function notesRefspec(remote: string, notesRef: string): string {
  return `+${notesRef}*:${remoteNotesRef(remote, notesRef)}*`;
}
