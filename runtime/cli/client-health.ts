/**
 * `comin rollback [--no-quarantine]` and `comin quarantine list [--json] | clear [COMMIT | --all]`
 * (behaviour.md §14, interfaces.md §7). Exit codes as in client.ts: a rollback that cannot run or
 * fails exits 1.
 */
import type { Command } from "commander";
import type { QuarantineEntry } from "../types.js";
import { clientAction, EXIT_FAILED, json, withConnectionOptions, type ClientIo, type ConnectionOptions } from "./client.js";
import { formatRelative, shortSha } from "./format-time.js";

export function formatQuarantine(entries: readonly QuarantineEntry[], now: Date): string {
  if (entries.length === 0) return "No commit is quarantined.\n";
  const lines = entries.flatMap((entry) => [
    `${entry.commit}  quarantined ${formatRelative(entry.at, now)}: ${entry.reason}`,
    ...(entry.outPath ? [`  system ${entry.outPath}`] : []),
  ]);
  return `${lines.join("\n")}\n`;
}

export function registerHealthCommands(program: Command, io: ClientIo): void {
  withConnectionOptions(
    program
      .command("rollback")
      .description("return to the deployment before the current one, and quarantine the current commit")
      .option("--no-quarantine", "do not quarantine the current commit"),
  ).action(
    clientAction<ConnectionOptions & { quarantine: boolean }>(io, async (client, options) => {
      const deployment = await client.rollback(options.quarantine);
      const rollback = deployment.rollback;
      if (rollback?.status !== "done") {
        io.stderr(`comin: the rollback failed: ${rollback?.error ?? "unknown error"}\n`);
        return EXIT_FAILED;
      }
      io.stdout(`Rolled back from ${shortSha(deployment.commit)} to ${rollback.to ?? "?"}${options.quarantine ? `; commit ${shortSha(deployment.commit)} is quarantined` : ""}.\n`);
      return 0;
    }),
  );

  const quarantine = program.command("quarantine").description("commits that are never deployed again until cleared");
  withConnectionOptions(quarantine.command("list").description("the quarantined commits").option("--json", "print JSON")).action(
    clientAction<ConnectionOptions & { json?: boolean }>(io, async (client, options) => {
      const entries = await client.quarantine();
      io.stdout(options.json ? json(entries) : formatQuarantine(entries, io.now()));
      return 0;
    }),
  );
  withConnectionOptions(
    quarantine
      .command("clear")
      .description("lift the quarantine of a commit (or of all with --all)")
      .argument("[commit]", "the commit id (or a unique prefix)")
      .option("--all", "lift every quarantine"),
  ).action(async (commit: string | undefined, options: ConnectionOptions & { all?: boolean }) => {
    if ((commit === undefined) === !options.all) {
      io.stderr("comin: quarantine clear takes a COMMIT or --all (one of them)\n");
      io.setExitCode(2);
      return;
    }
    await clientAction<ConnectionOptions & { all?: boolean }>(io, async (client) => {
      const cleared = await client.clearQuarantine(commit ?? null);
      io.stdout(cleared.length === 0 ? "Nothing was quarantined.\n" : `Lifted: ${cleared.map((entry) => entry.commit).join(", ")}.\n`);
      return 0;
    })(options);
  });
}
