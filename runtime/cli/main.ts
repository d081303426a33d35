#!/usr/bin/env node
/**
 * The `comin` executable. The daemon's plain `comin run --config …` starts the daemon directly
 * (run-args.ts); every other command line goes through the CLI (program.ts).
 */
import { fastRunArguments } from "./run-args.js";

const run = fastRunArguments(process.argv.slice(2));
if (run) {
  const { runCommand } = await import("../daemon.js");
  // The daemon owns the process: leave with its code even if a handle is still open.
  process.exit(await runCommand(run.config, { level: run.level, format: run.format }));
} else {
  const { main } = await import("./program.js");
  await main(process.argv);
}
