/**
 * The CLI commands that talk to a running daemon over its local API: status, fetch, suspend,
 * resume, deployment, confirmation, events (interfaces.md §4); reboot-lock (reboot-lock.ts).
 *
 * Outcomes are reported through the exit code, not through CommanderError (which the entry point
 * turns into the usage code 2): 0 ok, 1 the request failed (or a fetch failed with --wait),
 * 2 the daemon refused the request as invalid (e.g. an unknown remote), 3 the daemon is not
 * running, 77 (EX_NOPERM) the socket is root-only, 78 (EX_CONFIG) --config is invalid.
 */
import { type Command, Option } from "commander";
import { ApiError, DaemonAccessError, DaemonNotRunningError, createApiClient, type ApiClient } from "../api/client.js";
import { ConfigError } from "../config.js";
import { errorMessage } from "../errors.js";
import type { Operation } from "../types.js";
import { DEFAULT_SOCKET, discoverSocket } from "./discover.js";
import {
  formatAccepted,
  formatConfirmations,
  formatDeploymentList,
  formatFetchOutcomes,
  formatLatestDeployment,
} from "./format-records.js";
import { latestDeployment } from "../history.js";
import { formatOneline, formatStatus } from "./format-status.js";
import { registerRebootLockCommands } from "./reboot-lock.js";

export const EXIT_FAILED = 1;
export const EXIT_REFUSED = 2;
export const EXIT_NOT_RUNNING = 3;
export const EXIT_NO_PERMISSION = 77;
export const EXIT_CONFIG = 78;

/** The command's surroundings, replaced in tests. */
export interface ClientIo {
  stdout(text: string): void;
  stderr(text: string): void;
  setExitCode(code: number): void;
  now(): Date;
  /** Ends `comin events` (tests); by default the stream runs until the daemon ends it or ^C. */
  signal?: AbortSignal;
}

const processIo: ClientIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  setExitCode: (code) => {
    process.exitCode = code;
  },
  now: () => new Date(),
};

export interface ConnectionOptions {
  socket?: string;
  config?: string;
}

export function withConnectionOptions(command: Command): Command {
  return command
    .option("--socket <path>", `the daemon's socket (default: paths.socket of --config, else ${DEFAULT_SOCKET})`)
    .option("--config <file>", "the resolved JSON configuration (its paths.socket locates the daemon)");
}

/** Runs `body` against the daemon and turns every failure into one stderr line and an exit code. */
export function clientAction<O extends ConnectionOptions>(io: ClientIo, body: (client: ApiClient, options: O) => Promise<number>) {
  return async (options: O): Promise<void> => {
    let socketPath: string;
    try {
      socketPath = await discoverSocket(options);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      io.stderr(`comin: invalid configuration\n${error.message}\n`);
      io.setExitCode(EXIT_CONFIG);
      return;
    }
    try {
      io.setExitCode(await body(createApiClient(socketPath), options));
    } catch (error) {
      io.stderr(`comin: ${errorMessage(error)}\n`);
      if (error instanceof DaemonNotRunningError) io.setExitCode(EXIT_NOT_RUNNING);
      else if (error instanceof DaemonAccessError) io.setExitCode(EXIT_NO_PERMISSION);
      else if (error instanceof ApiError && error.status === 400) io.setExitCode(EXIT_REFUSED);
      else io.setExitCode(EXIT_FAILED);
    }
  };
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function registerClientCommands(program: Command, io: ClientIo = processIo): void {
  withConnectionOptions(
    program
      .command("status")
      .description("show the state of the agent")
      .addOption(new Option("--json", "print the status as JSON").conflicts("oneline"))
      .addOption(new Option("--oneline", "one line for status bars").conflicts("json")),
  ).action(
    clientAction<ConnectionOptions & { json?: boolean; oneline?: boolean }>(io, async (client, options) => {
      const status = await client.status();
      if (options.json) io.stdout(json(status));
      else if (options.oneline) io.stdout(formatOneline(status, io.now()));
      else io.stdout(formatStatus(status, io.now()));
      return 0;
    }),
  );

  withConnectionOptions(
    program
      .command("fetch")
      .description("fetch the remotes now")
      .option("--remote <name...>", "fetch only these remotes (repeatable)")
      .option("--wait", "wait for the fetch to finish and print each remote's outcome (exit 1 if one failed)"),
  ).action(
    clientAction<ConnectionOptions & { remote?: string[]; wait?: boolean }>(io, async (client, options) => {
      if (options.wait) {
        const outcomes = await client.fetchAndWait(options.remote);
        io.stdout(formatFetchOutcomes(outcomes));
        return outcomes.every((outcome) => outcome.ok) ? 0 : EXIT_FAILED;
      }
      const remotes = await client.requestFetch(options.remote);
      io.stdout(`Fetch of ${remotes.join(", ")} requested.\n`);
      return 0;
    }),
  );

  withConnectionOptions(program.command("suspend").description("stop running builds and hold new builds and deployments")).action(
    clientAction(io, async (client) => {
      await client.suspend();
      io.stdout("Suspended: builds and deployments wait for `comin resume`.\n");
      return 0;
    }),
  );

  withConnectionOptions(program.command("resume").description("allow builds and deployments again")).action(
    clientAction(io, async (client) => {
      await client.resume();
      io.stdout("Resumed.\n");
      return 0;
    }),
  );

  const deployment = program.command("deployment").description("deployment history; redeploy the latest generation");
  withConnectionOptions(deployment.command("list").description("the deployment history, oldest first (reboots included)").option("--json", "print JSON")).action(
    clientAction<ConnectionOptions & { json?: boolean }>(io, async (client, options) => {
      const records = await client.deployments();
      io.stdout(options.json ? json(records) : formatDeploymentList(records, io.now()));
      return 0;
    }),
  );
  withConnectionOptions(deployment.command("latest").description("the latest deployment").option("--json", "print JSON")).action(
    clientAction<ConnectionOptions & { json?: boolean }>(io, async (client, options) => {
      const records = await client.deployments();
      io.stdout(options.json ? json(latestDeployment(records)) : formatLatestDeployment(records, io.now()));
      return 0;
    }),
  );
  withConnectionOptions(
    deployment
      .command("submit-latest")
      .description("deploy the latest generation again")
      .addOption(new Option("--operation <op>", "operation to deploy with (default: the generation's)").choices(["switch", "test", "boot"])),
  ).action(
    clientAction<ConnectionOptions & { operation?: Operation }>(io, async (client, options) => {
      const record = await client.submitLatest(options.operation);
      io.stdout(
        record
          ? `Submitted: ${record.operation ?? "?"} of ${record.commit?.slice(0, 7) ?? "?"} (deployment ${record.id}, ${record.status}).\n`
          : "Submitted: the latest generation is built again first, then deployed.\n",
      );
      return 0;
    }),
  );

  const confirmation = program.command("confirmation").description("pending confirmations of builds and deployments");
  withConnectionOptions(confirmation.command("show").description("what waits for a confirmation").option("--json", "print JSON")).action(
    clientAction<ConnectionOptions & { json?: boolean }>(io, async (client, options) => {
      const pending = await client.confirmations();
      io.stdout(options.json ? json(pending) : formatConfirmations(pending, io.now()));
      return 0;
    }),
  );
  withConnectionOptions(confirmation.command("accept").description("accept the pending confirmation(s)")).action(
    clientAction(io, async (client) => {
      const accepted = await client.acceptConfirmation();
      if (accepted.length === 0) {
        io.stderr("comin: no confirmation is pending\n");
        return EXIT_FAILED;
      }
      io.stdout(formatAccepted(accepted));
      return 0;
    }),
  );

  registerRebootLockCommands(program, io);

  withConnectionOptions(program.command("events").description("stream the agent's events, one JSON object per line")).action(
    clientAction(io, async (client) => {
      await client.events((event) => io.stdout(`${JSON.stringify(event)}\n`), io.signal);
      if (io.signal?.aborted) return 0;
      io.stderr("comin: the daemon closed the event stream\n");
      return EXIT_FAILED;
    }),
  );
}
