/**
 * `comin run`: loads the resolved config, prepares the state directory, wires the real effects
 * (git, nix, system) into the manager, and serves the local API, metrics and webhooks.
 */
import { chmod, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { CominConfig } from "../dsl/schema.js";
import { startApiServer } from "./api/server.js";
import { ConfigError, loadRuntimeConfig } from "./config.js";
import { activate, runPostDeploymentCommand } from "./deploy/deployer.js";
import { errorMessage } from "./errors.js";
import { Fetcher } from "./fetcher.js";
import { GitRepository } from "./git/repository.js";
import { SignatureVerifier } from "./git/signatures.js";
import { createLogger, type Level, type Logger } from "./log.js";
import { Manager, type ManagerEffects } from "./manager.js";
import { Metrics, startMetricsServer } from "./metrics.js";
import { realiseGeneration } from "./nix/build.js";
import { evaluateGeneration } from "./nix/evaluate.js";
import { detectNeedToReboot } from "./reboot/detect.js";
import { isInsideWindow } from "./reboot/windows.js";
import { gatherAndSelect } from "./selection.js";
import { StateStore } from "./state/store.js";
import { VERSION } from "./version.js";
import { startWebhookServer } from "./webhook/server.js";

export const EX_CONFIG = 78;

export interface RunningDaemon {
  manager: Manager;
  stop(): Promise<void>;
}

async function readMachineId(file: string, log: Logger): Promise<string | null> {
  try {
    const id = (await readFile(file, "utf8")).trim();
    return id === "" ? null : id;
  } catch (error) {
    log.warn("cannot read the machine id: configurations pinned to a machine id will not deploy", { file, error: errorMessage(error) });
    return null;
  }
}

function realEffects(config: CominConfig, repo: GitRepository, verifier: SignatureVerifier | null, log: Logger): ManagerEffects {
  const workDir = path.join(config.stateDir, "work");
  return {
    evaluate: ({ commit, ref, signal, onLine }) =>
      evaluateGeneration({ repoDir: repo.dir, commit, ref, hostname: config.hostname, repository: config.repository, timeoutSec: config.timeouts.eval, signal, onLine, workDir }),
    realise: ({ drvPath, gcRoot, signal, onLine }) => realiseGeneration({ drvPath, gcRoot, timeoutSec: config.timeouts.build, signal, onLine }),
    activate: ({ outPath, operation, keepProfileLinks, onLine }) =>
      activate({ outPath, operation, paths: config.paths, timeoutSec: config.timeouts.switch, keepProfileLinks, onLine, log }),
    postDeployment: (command, env) => runPostDeploymentCommand(command, env, log),
    detectNeedToReboot: (lastDeployment) =>
      detectNeedToReboot({ paths: config.paths, lastDeployment: lastDeployment ? { operation: lastDeployment.operation, outPath: lastDeployment.outPath, status: lastDeployment.status } : null }),
    isInsideWindow,
    gather: (state) => gatherAndSelect({ repo, remotes: config.remotes, verifier, ...state }),
  };
}

/** Starts the daemon; resolves once it runs. Throws ConfigError for an invalid config. */
export async function startDaemon(configFile: string, options: { level?: Level; exit?: (code: number) => void } = {}): Promise<RunningDaemon> {
  const config = await loadRuntimeConfig(configFile);
  const log = createLogger({ level: options.level ?? "info", base: { host: config.hostname } });
  await mkdir(config.stateDir, { recursive: true, mode: 0o700 });
  await chmod(config.stateDir, 0o700);
  log.info("starting", { version: VERSION, config: configFile, stateDir: config.stateDir, remotes: config.remotes.map((r) => r.name) });

  const repo = await GitRepository.open(path.join(config.stateDir, "repository"), log);
  await repo.syncRemotes(config.remotes);
  const trust = config.signatures;
  const verifier =
    trust.gpgPublicKeyFiles.length > 0 || trust.sshAllowedSignersFile !== null
      ? await SignatureVerifier.create(trust, path.join(config.stateDir, "trust"), log)
      : null;
  const store = new StateStore(path.join(config.stateDir, "state.json"), log);
  const { state } = await store.load();
  const hostMachineId = await readMachineId(config.paths.machineIdFile, log);

  let manager: Manager | null = null;
  const fetcher = new Fetcher({
    repo,
    remotes: config.remotes,
    log,
    onFetched: (outcomes) => manager?.onFetched(outcomes),
  });
  const exit = options.exit ?? ((code: number) => process.exit(code));
  manager = new Manager({
    config,
    log,
    store,
    state,
    effects: realEffects(config, repo, verifier, log),
    fetcher,
    hostMachineId,
    exit,
  });
  const socketPath = config.paths.socket ?? path.join(config.stateDir, "comin.sock");
  const api = await startApiServer({ socketPath, controller: manager, log });
  const metrics = config.exporter ? new Metrics({ version: VERSION, controller: manager }) : null;
  const metricsServer = config.exporter && metrics ? await startMetricsServer({ listenAddress: config.exporter.listenAddress, port: config.exporter.port, metrics, log }) : null;
  const webhook = config.webhook ? await startWebhookServer({ config: config.webhook, controller: manager, log }) : null;
  await manager.start();
  log.info("started", { socket: socketPath, exporter: config.exporter ? `${config.exporter.listenAddress}:${config.exporter.port}` : null, webhook: config.webhook ? `${config.webhook.listenAddress}:${config.webhook.port}` : null });

  const running = manager;
  return {
    manager: running,
    async stop() {
      log.info("stopping");
      await running.stop();
      await Promise.allSettled([api.close(), metricsServer?.close(), webhook?.close()]);
      metrics?.close();
      log.info("stopped");
    },
  };
}

/** The `comin run` command: returns the process exit code when the daemon stops. */
export async function runCommand(configFile: string, options: { level?: Level } = {}): Promise<number> {
  let daemon: RunningDaemon;
  try {
    daemon = await startDaemon(configFile, options);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`comin: invalid configuration:\n${error.message}\n`);
      return EX_CONFIG;
    }
    process.stderr.write(`comin: cannot start: ${errorMessage(error)}\n`);
    return 1;
  }
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: "info", msg: "signal received", signal })}\n`);
      void daemon.stop().then(() => resolve(0));
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  });
}
