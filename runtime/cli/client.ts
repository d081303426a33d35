/**
 * The CLI commands that talk to a running daemon over its local API: status, fetch, suspend,
 * resume, deployment, confirmation, events (interfaces.md §4); rollback and quarantine in
 * client-health.ts; reboot-lock (reboot-lock.ts).
 *
 * Outcomes are reported through the exit code, not through CommanderError (which the entry point
 * turns into the usage code 2): 0 ok, 1 the request failed (or, with `fetch --wait`, a fetch failed
 * or a head was refused; for `status`, a problem is shown),
 * 2 the daemon refused the request as invalid (e.g. an unknown remote), 3 the daemon is not
 * running, 77 (EX_NOPERM) the socket is root-only, 78 (EX_CONFIG) --config is invalid.
 */
import { type Command, Option } from "commander";
import { ApiError, DaemonAccessError, DaemonNotRunningError, createApiClient, type ApiClient } from "../api/client.js";
import { ConfigError } from "../config.js";
import { errorMessage } from "../errors.js";
import type { Operation } from "../types.js";
import { DEFAULT_SOCKET, discoverSocket, INSTALLED_CONFIG } from "./discover.js";
import {
  formatAccepted,
  formatConfirmations,
  formatDeploymentList,
  fetchWentWrong,
  formatFetchOutcomes,
  formatLatestDeployment,
  formatPlan,
} from "./format-records.js";
import { latestDeployment } from "../history.js";
import { formatOneline } from "./format-oneline.js";
import { formatStatus } from "./format-status.js";
import { terminalJson, visibleText } from "./visible.js";
import { registerHealthCommands } from "./client-health.js";
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
    .option("--socket <path>", `the daemon's socket (default: paths.socket of --config, of $COMIN_CONFIG or of ${INSTALLED_CONFIG}, else ${DEFAULT_SOCKET})`)
    .option("--config <file>", `the resolved JSON configuration (its paths.socket locates the daemon; default $COMIN_CONFIG, else ${INSTALLED_CONFIG} if present)`);
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
  return `${terminalJson(value, 2)}\n`;
}

/**
 * Every text for people reaches the terminal with its control characters made visible (a commit
 * message cannot retitle the window, clear the screen or overwrite a line); JSON is escaped the
 * same way by terminalJson, which visibleText then leaves as it is.
 */
function visibleIo(io: ClientIo): ClientIo {
  return { ...io, stdout: (text) => io.stdout(visibleText(text)), stderr: (text) => io.stderr(visibleText(text)) };
}

export function registerClientCommands(program: Command, terminal: ClientIo = processIo): void {
  const io = visibleIo(terminal);
  withConnectionOptions(
    program
      .command("status")
      .description("show the state of the agent (exit 0: nothing wrong; 1: a problem is shown — a refused head, a failed fetch, evaluation, build or deployment)")
      .addOption(new Option("--json", "print the status as JSON").conflicts("oneline"))
      .addOption(new Option("--oneline", "one line for status bars").conflicts("json")),
  ).action(
    clientAction<ConnectionOptions & { json?: boolean; oneline?: boolean }>(io, async (client, options) => {
      const status = await client.status();
      if (options.json) io.stdout(json(status));
      else if (options.oneline) io.stdout(formatOneline(status, io.now()));
      else io.stdout(formatStatus(status, io.now()));
      // Scripts can tell: 0 nothing wrong, 1 a problem is shown (a refusal, a failed fetch or stage).
      return (status.problems?.length ?? 0) > 0 ? EXIT_FAILED : 0;
    }),
  );

  withConnectionOptions(
    program
      .command("fetch")
      .description("fetch the remotes now")
      .option("--remote <name...>", "fetch only these remotes (repeatable)")
      .option("--wait", "wait for the fetch and print what it changed per remote and branch (exit 1 if a fetch failed or a head was refused)"),
  ).action(
    clientAction<ConnectionOptions & { remote?: string[]; wait?: boolean }>(io, async (client, options) => {
      if (options.wait) {
        const outcomes = await client.fetchAndWait(options.remote);
        io.stdout(formatFetchOutcomes(outcomes));
        return outcomes.some(fetchWentWrong) ? EXIT_FAILED : 0;
      }
      const remotes = await client.requestFetch(options.remote);
      io.stdout(`Fetch of ${remotes.join(", ")} requested.\n`);
      return 0;
    }),
  );

  withConnectionOptions(
    program
      .command("plan")
      .description("what the agent would do now and why: the candidate, the operation, the system if evaluated, what blocks it (nothing is done)")
      .option("--json", "print JSON"),
  ).action(
    clientAction<ConnectionOptions & { json?: boolean }>(io, async (client, options) => {
      const plan = await client.plan();
      io.stdout(options.json ? json(plan) : formatPlan(plan));
      return 0;
    }),
  );

  withConnectionOptions(program.command("suspend").description("stop running builds and hold new builds and deployments")).action(
    clientAction(io, async (client) => {
      const changed = await client.suspend();
      io.stdout(changed ? "Suspended: builds and deployments wait for `comin resume`.\n" : "Already suspended: nothing changed (`comin resume` lets builds and deployments go on).\n");
      return 0;
    }),
  );

  withConnectionOptions(program.command("resume").description("allow builds and deployments again")).action(
    clientAction(io, async (client) => {
      const changed = await client.resume();
      io.stdout(changed ? "Resumed.\n" : "Not suspended: nothing changed (the agent is running).\n");
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

  registerHealthCommands(program, io);
  registerRebootLockCommands(program, io);

  withConnectionOptions(program.command("events").description("stream the agent's events, one JSON object per line")).action(
    clientAction(io, async (client) => {
      await client.events((event) => io.stdout(`${terminalJson(event)}\n`), io.signal);
      if (io.signal?.aborted) return 0;
      io.stderr("comin: the daemon closed the event stream\n");
      return EXIT_FAILED;
    }),
  );
}
