/**
 * The manifest of a published commit (behaviour.md §15): the JSON git note `comin publish` attaches
 * to a commit under the notes ref, naming one system per host. Its schema, how it is read (every
 * problem named), how two publications of one commit merge, and where the agent keeps each
 * remote's copy of the notes ref. The daemon reads manifests: the schema uses its own validator
 * (runtime/validate/), not zod.
 */
import { OBJECT_ID } from "../git/object-id.js";
import * as v from "../validate/index.js";

/** A store path as Nix prints it: /nix/store/<32 base-32 characters>-<name>. */
const STORE_PATH = /^\/[^\s\0]*\/[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\-._?=]+$/;

const StorePath = v.string().regex(STORE_PATH, (input) => `expected a store path such as /nix/store/<hash>-<name>, got ${JSON.stringify(input)}`);

export const ManifestHost = v.strictObject({
  outPath: StorePath,
  drvPath: StorePath.refine((value) => value.endsWith(".drv"), "expected a derivation (.drv)").nullable(),
  machineId: v.string().nullable(),
});
export type ManifestHost = v.Output<typeof ManifestHost>;

export const Manifest = v.strictObject({
  schemaVersion: v.literal(1, "expected schemaVersion 1"),
  commit: v.string().regex(OBJECT_ID, "expected a full commit id"),
  hosts: v.record(v.string().min(1), ManifestHost),
});
export type Manifest = v.Output<typeof Manifest>;

export type ManifestReading = { ok: true; manifest: Manifest } | { ok: false; reason: string };

/** Parses a note's text; `reason` names what is wrong and where. */
export function readManifest(text: string): ManifestReading {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `it is not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const checked = v.check(Manifest, data);
  if (!checked.ok) return { ok: false, reason: `it is not a valid manifest (${v.describeIssues(checked.issues, { top: "(top level)" })})` };
  return { ok: true, manifest: checked.value };
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
