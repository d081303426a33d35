/**
 * `comin publish` on the command line (interfaces.md §7): options, the fleet configuration loaded
 * through the generators' loader (on demand, as for `comin generate`), then the publisher in
 * ../prebuilt/publish.ts.
 */
import path from "node:path";
import type { Command } from "commander";

interface PublishFlags {
  to: string;
  signKey?: string;
  hosts?: string;
  commit: string;
  repository: string;
  notesRef: string;
  push?: string;
  signCommit: boolean;
}

export function registerPublishCommand(program: Command): void {
  program
    .command("publish")
    .description("in CI: evaluate, build, sign and copy each host's system to a binary cache, and attach the manifest to the commit as a git note (behaviour §15)")
    .argument("[config]", "the fleet configuration (default: comin.config.ts in the repository)")
    .requiredOption("--to <uri>", "nix copy destination: file://…, http(s)://…, s3://…, ssh://…")
    .option("--sign-key <file>", "Nix secret key file the closures are signed with (nix-store --generate-binary-cache-key)")
    .option("--hosts <a,b>", "publish only these hosts (default: every host of the configuration)")
    .option("--commit <rev>", "the commit to publish", "HEAD")
    .option("--repository <dir>", "the checkout of the fleet repository", ".")
    .option("--notes-ref <ref>", "git notes ref of the manifests", "refs/notes/comin")
    .option("--push <remote>", "push the notes ref to this remote")
    .option("--sign-commit", "sign the notes commit (git's user.signingKey and gpg.format)", false)
    .action(async (config: string | undefined, flags: PublishFlags) => {
      process.exitCode = await runPublish(config, flags);
    });
}

async function runPublish(config: string | undefined, flags: PublishFlags): Promise<number> {
  const { NotesRef } = await import("../../dsl/fields.js");
  const notesRef = NotesRef.safeParse(flags.notesRef);
  if (!notesRef.success) {
    process.stderr.write(`comin publish: --notes-ref: ${notesRef.error.issues.map((issue) => issue.message).join("; ")}\n`);
    return 2;
  }
  const [{ loadFleet, EXIT_CONFIG }, { publishCommand }] = await Promise.all([import("../../generators/commands.js"), import("../prebuilt/publish.js")]);
  const file = config ?? path.join(flags.repository, "comin.config.ts");
  const fleet = await loadFleet(file, process.stderr);
  if (!fleet.ok) return EXIT_CONFIG;
  const hosts = flags.hosts === undefined ? null : flags.hosts.split(",").map((host) => host.trim()).filter((host) => host !== "");
  return publishCommand({
    fleet: fleet.hosts,
    hosts,
    to: flags.to,
    signKeyFile: flags.signKey ? path.resolve(flags.signKey) : null,
    commit: flags.commit,
    repository: path.resolve(flags.repository),
    notesRef: flags.notesRef,
    push: flags.push ?? null,
    signCommit: flags.signCommit,
    stdout: process.stdout,
    stderr: process.stderr,
  });
}
