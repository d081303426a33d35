/**
 * The daemon's command line read without commander (runtime/cli/run-args.ts) must mean exactly
 * what the CLI would make of it: the same options where it takes the line, and the CLI (its help,
 * its errors, exit 2) for everything else.
 */
import test from "ava";
import { execa } from "execa";
import { buildProgram } from "../../../runtime/cli/program.js";
import { fastRunArguments, type RunArguments } from "../../../runtime/cli/run-args.js";
import { CLI } from "../../helpers/daemon.js";

/** What commander makes of `args` for `run`, without running the daemon; null when it refuses. */
async function commanderRun(args: readonly string[]): Promise<RunArguments | null> {
  const program = buildProgram();
  let parsed: RunArguments | null = null;
  const run = program.commands.find((command) => command.name() === "run");
  if (!run) throw new Error("no run command");
  run.action((options: { config: string; logLevel: RunArguments["level"]; logFormat: RunArguments["format"] }) => {
    parsed = { config: options.config, level: options.logLevel, format: options.logFormat };
  });
  for (const command of [program, ...program.commands]) command.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  try {
    await program.parseAsync(["node", "comin", ...args]);
  } catch {
    return null;
  }
  return parsed;
}

const LINES: string[][] = [
  ["run", "--config", "/etc/comin/config.json"],
  ["run", "--config=/etc/comin/config.json"],
  ["run", "--config", "/c.json", "--log-level", "debug", "--log-format", "json"],
  ["run", "--log-format=json", "--log-level=warn", "--config=/c.json"],
  ["run", "--log-level", "error", "--config", "/c with spaces.json"],
  ["run", "--config", "relative/c.json", "--log-format", "text"],
];

const REFUSED_OR_OTHER: string[][] = [
  ["run"],
  ["run", "--config"],
  ["run", "--config", "/c.json", "--log-level", "verbose"],
  ["run", "--config", "/c.json", "--log-format", "yaml"],
  ["run", "--config", "/c.json", "--unknown"],
  ["run", "--config", "/c.json", "--help"],
  ["run", "--config", "/a.json", "--config", "/b.json"],
  ["run", "--config", "/c.json", "extra"],
  ["status", "--config", "/c.json"],
  ["--version"],
  [],
];

test("where the daemon reads its own command line, it reads what the CLI reads", async (t) => {
  for (const args of LINES) {
    const fast = fastRunArguments(args);
    t.not(fast, null, args.join(" "));
    t.deepEqual(fast, await commanderRun(args), args.join(" "));
  }
});

test("anything else is left to the CLI", (t) => {
  for (const args of REFUSED_OR_OTHER) t.is(fastRunArguments(args), null, args.join(" "));
});

test("`comin run` with a bad log level still gets the CLI's usage error (exit 2)", async (t) => {
  const result = await execa(process.execPath, [CLI, "run", "--config", "/nonexistent.json", "--log-level", "verbose"], { reject: false, stdin: "ignore" });
  t.is(result.exitCode, 2);
  t.regex(result.stderr, /--log-level/);
});
