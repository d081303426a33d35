/**
 * The `comin` binary. Build-time commands (generate, validate) are loaded on demand so that the
 * daemon never imports the generators.
 */
import { Argument, Command, CommanderError, Option } from "commander";
import { VERSION } from "../version.js";
import { registerClientCommands } from "./client.js";
import { registerPublishCommand } from "./publish.js";

export const EX_USAGE = 2;

export function buildProgram(): Command {
  const program = new Command("comin")
    .description("GitOps deployment agent for NixOS machines")
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();

  program
    .command("run")
    .description("run the agent (the daemon)")
    .requiredOption("--config <file>", "resolved JSON configuration (from `comin generate` or the NixOS module)")
    .addOption(new Option("--log-level <level>", "minimum log level").choices(["debug", "info", "warn", "error"]).default("info"))
    .addOption(
      new Option("--log-format <format>", "text: for people (journald priorities under systemd, colours on a terminal unless NO_COLOR); json: one object a line for log shippers")
        .choices(["text", "json"])
        .default("text"),
    )
    .action(async (options: { config: string; logLevel: "debug" | "info" | "warn" | "error"; logFormat: "text" | "json" }) => {
      const { runCommand } = await import("../daemon.js");
      // The daemon owns the process: leave with its code even if a handle is still open.
      process.exit(await runCommand(options.config, { level: options.logLevel, format: options.logFormat }));
    });

  program
    .command("generate")
    .description("write <host>.json and comin.nix for every host of comin.config.ts")
    .argument("[config]", "the fleet configuration", "comin.config.ts")
    .requiredOption("--out <dir>", "output directory")
    .option("--check", "write nothing; exit 1 when the output directory is stale", false)
    .action(async (config: string, options: { out: string; check: boolean }) => {
      const { generateCommand } = await import("../../generators/commands.js");
      process.exitCode = await generateCommand({ config, out: options.out, check: options.check, stdout: process.stdout, stderr: process.stderr });
    });

  program
    .command("validate")
    .description("validate a comin.config.ts or a resolved JSON configuration and print every problem")
    .argument("[file]", "comin.config.ts or <host>.json", "comin.config.ts")
    .action(async (file: string) => {
      const { validateCommand } = await import("../../generators/commands.js");
      process.exitCode = await validateCommand({ file, stdout: process.stdout, stderr: process.stderr });
    });

  program
    .command("completion")
    .description("print a shell completion script (bash, zsh or fish), generated from this CLI's definition")
    .addArgument(new Argument("<shell>", "the shell").choices(["bash", "zsh", "fish"]))
    .action(async (shell: "bash" | "zsh" | "fish") => {
      const [{ completionScript }, { commandTree }] = await Promise.all([import("./completion.js"), import("./commands-tree.js")]);
      process.stdout.write(completionScript(shell, commandTree(buildProgram())));
    });

  program
    .command("man")
    .description("print the comin(1) man page (roff), generated from this CLI's definition")
    .action(async () => {
      const [{ manPage }, { commandTree }] = await Promise.all([import("./manpage.js"), import("./commands-tree.js")]);
      process.stdout.write(manPage(commandTree(buildProgram()), VERSION));
    });

  registerPublishCommand(program);
  registerClientCommands(program);
  for (const command of program.commands) applyExitOverride(command);
  return program;
}

function applyExitOverride(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) applyExitOverride(sub);
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") {
        process.exitCode = 0;
        return;
      }
      process.exitCode = EX_USAGE;
      return;
    }
    process.stderr.write(`comin: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

