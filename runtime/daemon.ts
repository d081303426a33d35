/**
 * `comin run`, the composition root: loads the resolved config, prepares the state directory,
 * plugs the real adapters (git source, local Nix builder or the prebuilt one around it, system deployer, this machine, the
 * reboot command, the state store, the clock) into the agent, and serves the local API, metrics
 * and webhooks.
 */
import { chmod, mkdir } from "node:fs/promises";
import path from "node:path";
import type { CominConfig } from "../dsl/schema.js";
import { Agent } from "./agent/agent.js";
import { AgentController } from "./agent/controller.js";
import { startApiServer } from "./api/server.js";
import { localNixBuilder } from "./builder/local-nix.js";
import { prebuiltBuilder } from "./builder/prebuilt.js";
import { ConfigError, loadRuntimeConfigIsolated } from "./config.js";
import { activate, runPostDeploymentCommand } from "./deploy/deployer.js";
import { rollback } from "./deploy/rollback.js";
import { errorMessage } from "./errors.js";
import { healthChecker } from "./health/verify.js";
import { insecureGitEnvironment } from "./git/insecure.js";
import { GitRepository } from "./git/repository.js";
import type { SignatureVerifier } from "./git/signatures.js";
import { createLogger, type Level, type LogFormat, type Logger } from "./log.js";
import type { Metrics, MetricsServer } from "./metrics.js";
import type { Deployer } from "./ports.js";
import { createRebootLock } from "./reboot/lock/create.js";
import { commandRebooter } from "./reboot/rebooter.js";
import { gitSource } from "./source/git-source.js";
import { StateStore } from "./state/store.js";
import { systemClock } from "./system/clock.js";
import { localMachine } from "./system/machine.js";
import type { Controller } from "./types.js";
import { VERSION } from "./version.js";

export const EX_CONFIG = 78;

export interface RunningDaemon {
  controller: Controller;
  stop(): Promise<void>;
}

function systemDeployer(config: CominConfig, log: Logger): Deployer {
  return {
    activate: ({ outPath, operation, keepProfileLinks, onLine }) => activate({ outPath, operation, paths: config.paths, timeoutSec: config.timeouts.switch, keepProfileLinks, onLine, log }),
    postDeployment: (command, env) => runPostDeploymentCommand(command, env, log),
    rollback: ({ to, operation, badProfileLink, onLine }) => rollback({ to, operation, badProfileLink, profile: config.paths.profile, timeoutSec: config.timeouts.switch, onLine, log }),
  };
}

async function signatureVerifier(config: CominConfig, log: Logger): Promise<SignatureVerifier | null> {
  const trust = config.signatures;
  if (trust.gpgPublicKeyFiles.length === 0 && trust.sshAllowedSignersFile === null) return null;
  const { SignatureVerifier } = await import("./git/signatures.js");
  return SignatureVerifier.create(trust, path.join(config.stateDir, "trust"), log);
}

/** Starts the daemon; resolves once it runs. Throws ConfigError for an invalid config. */
export async function startDaemon(configFile: string, options: { level?: Level; format?: LogFormat; exit?: (code: number) => void } = {}): Promise<RunningDaemon> {
  const config = await loadRuntimeConfigIsolated(configFile);
  const log = createLogger({ level: options.level ?? "info", format: options.format ?? "json", base: { host: config.hostname } });
  await mkdir(config.stateDir, { recursive: true, mode: 0o700 });
  await chmod(config.stateDir, 0o700);
  log.info("starting", { version: VERSION, config: configFile, stateDir: config.stateDir, remotes: config.remotes.map((r) => r.name) });
  for (const setting of insecureGitEnvironment(process.env)) log.warn("git's TLS certificate checks are off", { ...setting });

  const repo = await GitRepository.open(path.join(config.stateDir, "repository"), log, { notesRef: config.prebuilt?.notesRef ?? null });
  await repo.syncRemotes(config.remotes);
  const verifier = await signatureVerifier(config, log);
  const store = new StateStore(path.join(config.stateDir, "state.json"), log);
  const { state } = await store.load();
  const agent = new Agent({
    config,
    log,
    state,
    ports: {
      source: gitSource({ config, repo, verifier, log }),
      builder: prebuiltBuilder({ config, gitDir: repo.dir, verifier, local: localNixBuilder(config, repo.dir), log }),
      deployer: systemDeployer(config, log),
      health: healthChecker,
      machine: await localMachine(config.paths, log),
      rebooter: commandRebooter(config.reboot.command),
      rebootLock: await createRebootLock(config.reboot.coordination),
      store,
      clock: systemClock,
    },
    exit: options.exit ?? ((code: number) => process.exit(code)),
  });
  const controller = new AgentController(agent);
  const socketPath = config.paths.socket ?? path.join(config.stateDir, "comin.sock");
  const api = await startApiServer({ socketPath, controller, log });
  // The exporter (prom-client) and the webhook listener are loaded only when configured: a
  // daemon without them does not carry their code (prom-client alone is ~10 MiB of RSS).
  let metrics: Metrics | null = null;
  let metricsServer: MetricsServer | null = null;
  if (config.exporter) {
    const { Metrics, startMetricsServer } = await import("./metrics.js");
    metrics = new Metrics({ version: VERSION, controller, stateSaveFailures: () => store.saveFailures });
    metricsServer = await startMetricsServer({ listenAddress: config.exporter.listenAddress, port: config.exporter.port, metrics, log });
  }
  const webhook = config.webhook ? await (await import("./webhook/server.js")).startWebhookServer({ config: config.webhook, controller, log }) : null;
  await agent.start();
  log.info("started", { socket: socketPath, exporter: config.exporter ? `${config.exporter.listenAddress}:${config.exporter.port}` : null, webhook: config.webhook ? `${config.webhook.listenAddress}:${config.webhook.port}` : null });

  return {
    controller,
    async stop() {
      log.info("stopping");
      await agent.stop();
      await Promise.allSettled([api.close(), metricsServer?.close(), webhook?.close()]);
      metrics?.close();
      log.info("stopped");
    },
  };
}

/** The `comin run` command: returns the process exit code when the daemon stops. */
export async function runCommand(configFile: string, options: { level?: Level; format?: LogFormat } = {}): Promise<number> {
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
      createLogger({ level: options.level ?? "info", format: options.format ?? "json" }).info("signal received", { signal });
      void daemon.stop().then(() => resolve(0));
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  });
}
