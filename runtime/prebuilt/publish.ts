/**
 * `comin publish` (behaviour.md §15, interfaces.md §7), run in CI: for one commit and each host,
 * evaluate, build, sign and copy its system to a binary cache (publish-host.ts), then attach the
 * manifest to the commit as a git note and push the notes ref (publish-notes.ts). One line of
 * progress per host and step, a summary table at the end. A failed host does not stop the others;
 * the manifest names those that succeeded, and the exit code is 1.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { CominConfig } from "../../dsl/schema.js";
import { errorMessage } from "../errors.js";
import type { ManifestHost } from "./manifest.js";
import { NotesWriter } from "./publish-notes.js";
import { publishHost, PublishStepError, type PublishStep } from "./publish-host.js";

export interface PublishOptions {
  /** Resolved configuration of every host of the fleet (from comin.config.ts). */
  fleet: Record<string, CominConfig>;
  /** Hosts to publish; every host of the fleet when null. */
  hosts: string[] | null;
  to: string;
  signKeyFile: string | null;
  commit: string;
  repository: string;
  notesRef: string;
  push: string | null;
  signCommit: boolean;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export const PUBLISH_OK = 0;
export const PUBLISH_FAILED = 1;
export const PUBLISH_USAGE = 2;

type HostOutcome = { host: string; ok: true; system: ManifestHost } | { host: string; ok: false; step: PublishStep | null; error: string };

const STEP_WORDS: Record<PublishStep, string> = { evaluate: "evaluating", build: "building", sign: "signing", copy: "copying to the cache" };

export async function publishCommand(options: PublishOptions): Promise<number> {
  const { stdout, stderr } = options;
  const known = Object.keys(options.fleet).sort();
  const hosts = options.hosts ?? known;
  const unknown = hosts.filter((host) => !known.includes(host));
  if (unknown.length > 0 || hosts.length === 0) {
    stderr.write(`comin publish: ${hosts.length === 0 ? "no host to publish" : `unknown host${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}`} (the configuration has: ${known.join(", ") || "none"})\n`);
    return PUBLISH_USAGE;
  }
  const notes = new NotesWriter(options.repository, options.notesRef);
  let commit: string;
  try {
    commit = await notes.resolveCommit(options.commit);
  } catch (error) {
    stderr.write(`comin publish: ${errorMessage(error)}\n`);
    return PUBLISH_USAGE;
  }
  if (options.signKeyFile === null) stderr.write("comin publish: no --sign-key: the closures are copied unsigned, and machines refuse them unless the cache signs them itself\n");
  stdout.write(`publishing ${commit} for ${hosts.length} host${hosts.length === 1 ? "" : "s"} to ${options.to}\n`);

  const workDir = await mkdtemp(path.join(tmpdir(), "comin-publish-"));
  const outcomes: HostOutcome[] = [];
  try {
    // One host at a time: Nix parallelises a build itself, and the log stays readable.
    for (const host of hosts) outcomes.push(await publishOne(options, host, commit, workDir));
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }

  const published = Object.fromEntries(outcomes.flatMap((o) => (o.ok ? [[o.host, o.system] as const] : [])));
  let notesError: string | null = null;
  if (Object.keys(published).length > 0) {
    try {
      const { manifest, replaced } = await notes.publish(options.push, commit, published, options.signCommit);
      if (replaced) stderr.write(`comin publish: the previous note of ${commit} was replaced: ${replaced}\n`);
      stdout.write(`manifest of ${commit} written to ${options.notesRef} (${Object.keys(manifest.hosts).length} host${Object.keys(manifest.hosts).length === 1 ? "" : "s"}${options.signCommit ? ", signed" : ""})\n`);
      if (options.push) stdout.write(`pushed ${options.notesRef} to ${options.push}\n`);
    } catch (error) {
      notesError = errorMessage(error);
      stderr.write(`comin publish: cannot write or push the manifest: ${notesError}\n`);
    }
  }
  stdout.write(summaryTable(outcomes));
  return outcomes.every((o) => o.ok) && notesError === null ? PUBLISH_OK : PUBLISH_FAILED;
}

async function publishOne(options: PublishOptions, host: string, commit: string, workDir: string): Promise<HostOutcome> {
  const config = options.fleet[host] as CominConfig;
  try {
    const system = await publishHost({
      repoDir: options.repository,
      commit,
      hostname: host,
      config,
      to: options.to,
      signKeyFile: options.signKeyFile,
      workDir,
      onStep: (step) => options.stdout.write(`${host}: ${STEP_WORDS[step]}\n`),
      onLine: (line) => options.stderr.write(`${host}: ${line}\n`),
    });
    options.stdout.write(`${host}: published ${system.outPath}\n`);
    return { host, ok: true, system };
  } catch (error) {
    const step = error instanceof PublishStepError ? error.step : null;
    const message = errorMessage(error);
    options.stdout.write(`${host}: FAILED${step ? ` (${step})` : ""}: ${message}\n`);
    return { host, ok: false, step, error: message };
  }
}

/** host | result | system, or the failed step and the first line of its error. */
export function summaryTable(outcomes: readonly HostOutcome[]): string {
  const rows = outcomes.map((o) => [o.host, o.ok ? "published" : `failed${o.step ? ` (${o.step})` : ""}`, o.ok ? o.system.outPath : (o.error.split("\n")[0] ?? "")]);
  const all = [["HOST", "RESULT", "SYSTEM / ERROR"], ...rows];
  const widths = [0, 1].map((column) => Math.max(...all.map((row) => (row[column] ?? "").length)));
  const lines = all.map((row) => `${(row[0] ?? "").padEnd(widths[0] ?? 0)}  ${(row[1] ?? "").padEnd(widths[1] ?? 0)}  ${row[2] ?? ""}`.trimEnd());
  const failed = outcomes.filter((o) => !o.ok).length;
  return `\n${lines.join("\n")}\n\n${outcomes.length - failed} published, ${failed} failed\n`;
}
