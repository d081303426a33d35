/**
 * The agent reading manifests (behaviour §15) from real git notes: every way a manifest is not
 * usable has its own reason, and with signature trust configured the notes commit must be signed
 * by a trusted key (written by the publisher's own NotesWriter, signed with `--sign-commit`).
 */
import test from "ava";
import path from "node:path";
import { remoteNotesRef } from "../../../runtime/prebuilt/manifest.js";
import { findPublishedSystem } from "../../../runtime/prebuilt/notes.js";
import { NotesWriter } from "../../../runtime/prebuilt/publish-notes.js";
import { git, tempDir, writeAllowedSigners, createSshKey } from "../../helpers/git.js";
import { verifierIn } from "../../helpers/trust.js";
import type { Teardown } from "../../helpers/temp.js";

const OUT = "/nix/store/0c6kzph7l0dcbd7rw4g5jd52xkq2a3a0-nixos-system-web1";
const DRV = "/nix/store/1c6kzph7l0dcbd7rw4g5jd52xkq2a3a0-nixos-system-web1.drv";
const LOCAL_REF = remoteNotesRef("origin", "refs/notes/comin");

async function repoWithCommits(t: Teardown): Promise<{ dir: string; gitDir: string; a: string; b: string }> {
  const dir = await tempDir(t, "comin-notes-");
  await git(dir, ["init", "-q", "-b", "main"]);
  await git(dir, ["commit", "-q", "--allow-empty", "-m", "a"]);
  const a = (await git(dir, ["rev-parse", "HEAD"])).trim();
  await git(dir, ["commit", "-q", "--allow-empty", "-m", "b"]);
  const b = (await git(dir, ["rev-parse", "HEAD"])).trim();
  return { dir, gitDir: path.join(dir, ".git"), a, b };
}

function lookup(gitDir: string, commit: string, verifier: Parameters<typeof findPublishedSystem>[0]["verifier"] = null) {
  return findPublishedSystem({ gitDir, remote: "origin", notesRef: "refs/notes/comin", commit, hostname: "web1", verifier });
}

async function rawNote(dir: string, commit: string, text: string): Promise<void> {
  await git(dir, ["notes", "--ref", LOCAL_REF, "add", "-f", "-m", text, commit]);
}

test("the published system of this host is found in the remote's notes ref", async (t) => {
  const { dir, gitDir, b } = await repoWithCommits(t);
  await new NotesWriter(dir, LOCAL_REF).write(b, { web1: { outPath: OUT, drvPath: DRV, machineId: null } }, false);

  const found = await lookup(gitDir, b);

  t.like(found, { ok: true, system: { outPath: OUT, drvPath: DRV, machineId: null } });
});

test("no notes ref fetched from the remote: nothing published yet", async (t) => {
  const { gitDir, b } = await repoWithCommits(t);

  t.deepEqual(await lookup(gitDir, b), { ok: false, reason: "no manifest: origin has no notes ref refs/notes/comin (nothing published yet)" });
});

test("a notes ref without a note for this commit", async (t) => {
  const { dir, gitDir, a, b } = await repoWithCommits(t);
  await new NotesWriter(dir, LOCAL_REF).write(a, { web1: { outPath: OUT, drvPath: DRV, machineId: null } }, false);

  t.deepEqual(await lookup(gitDir, b), { ok: false, reason: `no manifest for ${b} in refs/notes/comin of origin` });
});

test("a manifest written for another commit (a note copied onto this one) is not used", async (t) => {
  const { dir, gitDir, a, b } = await repoWithCommits(t);
  await rawNote(dir, b, JSON.stringify({ schemaVersion: 1, commit: a, hosts: { web1: { outPath: OUT, drvPath: DRV, machineId: null } } }));

  const found = await lookup(gitDir, b);

  t.false(found.ok);
  t.regex(found.ok ? "" : found.reason, new RegExp(`unusable: it was published for commit ${a}, not ${b}`));
});

test("a manifest without this host names the hosts it has", async (t) => {
  const { dir, gitDir, b } = await repoWithCommits(t);
  await new NotesWriter(dir, LOCAL_REF).write(b, { db1: { outPath: OUT, drvPath: DRV, machineId: null }, web2: { outPath: OUT, drvPath: null, machineId: null } }, false);

  const found = await lookup(gitDir, b);

  t.regex(found.ok ? "" : found.reason, /unusable: it has no system for host "web1" \(hosts: db1, web2\)/);
});

test("malformed JSON and a manifest of the wrong shape are named with what is wrong and where", async (t) => {
  const { dir, gitDir, a, b } = await repoWithCommits(t);
  await rawNote(dir, a, "{ \"schemaVersion\": 1, ");
  await rawNote(dir, b, JSON.stringify({ schemaVersion: 1, commit: b, hosts: { web1: { outPath: "/tmp/not-a-store-path", drvPath: null, machineId: null } } }));

  const malformed = await lookup(gitDir, a);
  const wrongShape = await lookup(gitDir, b);

  t.regex(malformed.ok ? "" : malformed.reason, /unusable: it is not valid JSON/);
  t.regex(wrongShape.ok ? "" : wrongShape.reason, /unusable: it is not a valid manifest \(hosts\.web1\.outPath: expected a store path such as \/nix\/store\/<hash>-<name>, got "\/tmp\/not-a-store-path"\)/);
});

test("with signature trust, an unsigned notes commit is ignored and a notes commit signed by a trusted key is used", async (t) => {
  const { dir, gitDir, a, b } = await repoWithCommits(t);
  const keys = await tempDir(t, "comin-notes-keys-");
  const bob = await createSshKey(keys, "bob@example.test");
  const eve = await createSshKey(keys, "eve@example.test");
  const allowed = await writeAllowedSigners(path.join(keys, "allowed_signers"), [bob]);
  const { verifier } = await verifierIn(t, { gpgPublicKeyFiles: [], sshAllowedSignersFile: allowed });
  await git(dir, ["config", "gpg.format", "ssh"]);
  const writer = new NotesWriter(dir, LOCAL_REF);
  const system = { web1: { outPath: OUT, drvPath: DRV, machineId: null } };

  await writer.write(a, system, false);
  const unsigned = await lookup(gitDir, a, verifier);
  await git(dir, ["config", "user.signingKey", eve.privateKeyFile]);
  await writer.write(a, system, true);
  const untrusted = await lookup(gitDir, a, verifier);
  await git(dir, ["config", "user.signingKey", bob.privateKeyFile]);
  await writer.write(b, system, true);
  const trusted = await lookup(gitDir, b, verifier);

  t.regex(unsigned.ok ? "" : unsigned.reason, /^the notes ref refs\/notes\/comin of origin \(commit [0-9a-f]{40}\) is not signed by a trusted key \(.*\): its manifests are ignored$/);
  t.regex(untrusted.ok ? "" : untrusted.reason, /is not signed by a trusted key/);
  t.like(trusted, { ok: true, system: { outPath: OUT } });
});

test("publishing again for the same commit merges hosts; the newer entry of a host wins", async (t) => {
  const { dir, b } = await repoWithCommits(t);
  const writer = new NotesWriter(dir, LOCAL_REF);

  await writer.write(b, { web1: { outPath: OUT, drvPath: DRV, machineId: null }, db1: { outPath: OUT, drvPath: null, machineId: null } }, false);
  const { manifest } = await writer.write(b, { web1: { outPath: OUT.replace("web1", "web1-new"), drvPath: null, machineId: "m" } }, false);

  t.deepEqual(Object.keys(manifest.hosts), ["db1", "web1"]);
  t.deepEqual(manifest.hosts.web1, { outPath: OUT.replace("web1", "web1-new"), drvPath: null, machineId: "m" });
  t.deepEqual(JSON.parse(await git(dir, ["notes", "--ref", LOCAL_REF, "show", b])), manifest);
});

test("a note stored under fan-out directories (as git does once there are many notes) is found", async (t) => {
  const { dir, gitDir, b } = await repoWithCommits(t);
  const manifest = JSON.stringify({ schemaVersion: 1, commit: b, hosts: { web1: { outPath: OUT, drvPath: DRV, machineId: null } } });
  const blob = (await git(dir, ["hash-object", "-w", "--stdin"], { input: manifest })).trim();
  const inner = (await git(dir, ["mktree"], { input: `100644 blob ${blob}\t${b.slice(4)}\n` })).trim();
  const middle = (await git(dir, ["mktree"], { input: `040000 tree ${inner}\t${b.slice(2, 4)}\n` })).trim();
  const top = (await git(dir, ["mktree"], { input: `040000 tree ${middle}\t${b.slice(0, 2)}\n` })).trim();
  const notesCommit = (await git(dir, ["commit-tree", "-m", "Notes added by 'git notes add'", top])).trim();
  await git(dir, ["update-ref", LOCAL_REF, notesCommit]);

  const found = await lookup(gitDir, b);

  t.like(found, { ok: true, system: { outPath: OUT } });
  t.is((await git(dir, ["notes", "--ref", LOCAL_REF, "show", b])).trim(), manifest, "git itself reads the same note");
});
