/**
 * The deploy loop (behaviour.md §2): fetch → select → (signature gate, inside selection) → evaluate
 * once → machine-id guard → build → deploy → reboot policy, post-deployment command, history.
 *
 * One "pump" advances the current generation one stage at a time; it is the only place that
 * starts evaluations, builds and deployments, so they never overlap. Fetch rounds run beside it and
 * only change the candidate; a newer candidate cancels a running evaluation or build.
 */
import { randomUUID } from "node:crypto";
import { mkdir, readdir, realpath, rm } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import type { CominConfig, RemoteConfig } from "../dsl/schema.js";
import { errorMessage, StageError } from "./errors.js";
import type { Fetcher } from "./fetcher.js";
import type { Logger } from "./log.js";
import { retryDelaySeconds } from "./retries.js";
import { applyRetention } from "./state/retention.js";
import type { State, StateStore } from "./state/store.js";
import type {
  Candidate,
  CominEvent,
  ConfirmationStatus,
  Controller,
  DeploymentRecord,
  FetchOutcome,
  GenerationRecord,
  Operation,
  StatusJson,
} from "./types.js";
import { VERSION } from "./version.js";
import type { Evaluation } from "./nix/evaluate.js";
import { ActivationError, type ActivationResult } from "./deploy/deployer.js";
import type { RebootWindowConfig } from "../dsl/schema.js";

/** Side effects of the loop, behind one small interface (real ones in daemon.ts). */
export interface ManagerEffects {
  evaluate(args: { commit: string; ref: string; signal: AbortSignal; onLine: (line: string) => void }): Promise<Evaluation>;
  realise(args: { drvPath: string; gcRoot: string; signal: AbortSignal; onLine: (line: string) => void }): Promise<string>;
  activate(args: { outPath: string; operation: Operation; keepProfileLinks: string[]; onLine: (line: string) => void }): Promise<ActivationResult>;
  postDeployment(command: string, env: Record<string, string>): Promise<void>;
  detectNeedToReboot(lastDeployment: DeploymentRecord | null): Promise<{ needed: boolean; reason: string | null; unknown: boolean }>;
  isInsideWindow(now: Date, windows: RebootWindowConfig[]): boolean;
  gather(args: {
    fetchOk: Record<string, boolean>;
    baseline: string | null;
    previous: Candidate | null;
    previousBranches: State["branches"];
  }): Promise<{
    candidate: Candidate | null;
    baseline: string | null;
    branches: State["branches"];
  }>;
}

export interface ManagerOptions {
  config: CominConfig;
  log: Logger;
  store: StateStore;
  state: State;
  effects: ManagerEffects;
  fetcher: Fetcher;
  hostMachineId: string | null;
  /** Called to restart the agent after its unit changed (exit 0; systemd restarts it). */
  exit: (code: number) => void;
  now?: () => Date;
}

type Stage = "eval" | "build" | "deploy";
const REBOOT_RETRY_MS = 10 * 60 * 1000;
const WINDOW_CHECK_MS = 10 * 1000;
const MESSAGE_LIMIT = 4096;

interface PendingConfirmation {
  stage: "build" | "deploy";
  generationId: string;
  submittedAt: Date;
  autoAt: Date | null;
  timer: NodeJS.Timeout | null;
}

export class Manager implements Controller {
  private readonly config: CominConfig;
  private readonly log: Logger;
  private readonly state: State;
  private readonly effects: ManagerEffects;
  private readonly now: () => Date;
  private readonly listeners = new Set<(event: CominEvent) => void>();
  private readonly startedAt: Date;
  private pumping = false;
  private pumpAgain = false;
  private stopped = false;
  private stageAbort: AbortController | null = null;
  private runningStage: { generationId: string; stage: Stage } | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private windowTimer: NodeJS.Timeout | null = null;
  private readonly pendingConfirmations = new Map<"build" | "deploy", PendingConfirmation>();
  private readonly accepted = new Set<string>();
  private manualDeploy: { generationId: string; operation: Operation; resolve: (d: DeploymentRecord | null) => void } | null = null;
  private needToReboot = false;
  private needToRebootReason: string | null = null;
  private rebootUnknownLogged = false;
  private rebootAfterBoot = false;
  private rebootCheck: Promise<void> = Promise.resolve();
  private idle: Promise<void> = Promise.resolve();

  constructor(private readonly options: ManagerOptions) {
    this.config = options.config;
    this.log = options.log;
    this.state = options.state;
    this.effects = options.effects;
    this.now = options.now ?? (() => new Date());
    this.startedAt = this.now();
  }

  // ---------------------------------------------------------------- lifecycle

  /** Recovers from a crash, checks reboots, starts fetching and the pump. */
  async start(): Promise<void> {
    await this.recoverInterrupted();
    this.applyDeploymentRetention();
    await this.save();
    await this.checkReboot("start-up");
    this.windowTimer = setInterval(() => void this.checkReboot("window check"), WINDOW_CHECK_MS);
    this.windowTimer.unref();
    this.options.fetcher.start();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.windowTimer) clearInterval(this.windowTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const pending of this.pendingConfirmations.values()) if (pending.timer) clearTimeout(pending.timer);
    if (this.runningStage && this.runningStage.stage !== "deploy") this.stageAbort?.abort();
    await this.options.fetcher.stop();
    await this.idle;
    await this.rebootCheck;
    await this.options.store.flush();
  }

  /** A generation or deployment recorded as running was interrupted by a crash (§9). */
  private async recoverInterrupted(): Promise<void> {
    const message = "interrupted by an agent restart";
    const at = this.now().toISOString();
    let interrupted: GenerationRecord | null = null;
    for (const generation of this.state.generations) {
      for (const stage of ["eval", "build"] as const) {
        if (generation[stage].status === "running") {
          generation[stage] = { ...generation[stage], status: "failed", error: message, endedAt: at };
          interrupted = generation;
        }
      }
      if (generation.deploy.status === "running") {
        generation.deploy = { ...generation.deploy, status: "failed", error: message };
        interrupted = generation;
      }
    }
    for (const deployment of this.state.deployments) {
      if (deployment.status === "running" || deployment.status === "init") {
        deployment.status = "failed";
        deployment.error = message;
        deployment.endedAt = at;
      }
    }
    if (interrupted) {
      interrupted.attempt += 1;
      const stage: Stage = interrupted.eval.status === "failed" ? "eval" : interrupted.build.status === "failed" ? "build" : "deploy";
      // An interruption is not the configuration's fault: retry at once (it still counts as an attempt).
      this.state.retry = { generationId: interrupted.id, stage, attempt: interrupted.attempt, dueAt: at };
      this.log.warn("a stage was interrupted by an agent restart: it will be retried", { generation: interrupted.id, stage });
    }
  }

  // ---------------------------------------------------------------- events

  subscribe(listener: (event: CominEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: CominEvent): void {
    const { type, at: _at, ...fields } = event;
    this.log.info(type, summarise(fields));
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.log.error("event listener failed", { error: errorMessage(error) });
      }
    }
  }

  private at(): string {
    return this.now().toISOString();
  }

  private async save(): Promise<void> {
    try {
      await this.options.store.save(this.state);
    } catch {
      // Logged by the store; the loop goes on with the state in memory.
    }
  }

  // ---------------------------------------------------------------- fetch and selection

  /** Called by the fetcher after each fetch round. */
  async onFetched(outcomes: FetchOutcome[]): Promise<void> {
    for (const outcome of outcomes) {
      this.state.lastFetch[outcome.remote] = { at: this.at(), ok: outcome.ok, error: outcome.error };
      this.emit({ type: "fetch-finished", at: this.at(), remote: outcome.remote, ok: outcome.ok, error: outcome.error, durationMs: outcome.durationMs ?? 0 });
    }
    const fetchOk: Record<string, boolean> = {};
    for (const remote of this.config.remotes) fetchOk[remote.name] = this.state.lastFetch[remote.name]?.ok ?? false;
    try {
      const selection = await this.effects.gather({ fetchOk, baseline: this.state.baseline, previous: this.state.candidate, previousBranches: this.state.branches });
      const previousBranches = this.state.branches;
      this.state.branches = { ...this.state.branches, ...selection.branches };
      const previous = this.state.candidate;
      const baselineMoved = selection.baseline !== this.state.baseline;
      if (baselineMoved) {
        this.log.info("baseline moved", { from: this.state.baseline, to: selection.baseline });
        this.state.baseline = selection.baseline;
      }
      const branchesChanged = JSON.stringify(selection.branches) !== JSON.stringify(previousBranches);
      this.state.candidate = selection.candidate;
      const changed = !sameCandidate(previous, selection.candidate);
      // A poll that changed nothing but fetch times is not worth an fsync; the next save carries it.
      if (changed || branchesChanged || baselineMoved) await this.save();
      if (changed && selection.candidate) {
        this.emit({ type: "candidate-selected", at: this.at(), candidate: selection.candidate });
        this.preemptIfOutdated();
      }
    } catch (error) {
      this.log.error("commit selection failed", { error: errorMessage(error) });
    }
    this.kick();
  }

  /** A newer candidate cancels the running evaluation or build of an older one (§2). */
  private preemptIfOutdated(): void {
    const running = this.runningStage;
    if (!running || running.stage === "deploy") return;
    const generation = this.generationById(running.generationId);
    const candidate = this.state.candidate;
    if (generation && candidate && !targets(generation, candidate)) {
      this.log.info("a newer candidate preempts the running stage", { generation: generation.id, stage: running.stage, candidate: candidate.commit });
      this.stageAbort?.abort();
    }
  }

  async fetch(remotes?: string[]): Promise<FetchOutcome[]> {
    const known = new Set(this.config.remotes.map((r) => r.name));
    const unknown = (remotes ?? []).filter((name) => !known.has(name));
    if (unknown.length) throw new Error(`unknown remote ${unknown.map((n) => JSON.stringify(n)).join(", ")}; configured: ${[...known].join(", ")}`);
    return this.options.fetcher.request(remotes);
  }

  remotes(): { name: string; url: string }[] {
    return this.config.remotes.map((remote) => ({ name: remote.name, url: remote.url }));
  }

  // ---------------------------------------------------------------- the pump

  /** Asks the pump to look at the state again; never runs two pumps at once. */
  kick(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    this.idle = (async () => {
      try {
        do {
          this.pumpAgain = false;
          while (!this.stopped && (await this.step())) {
            // each step advanced the generation by one stage
          }
        } while (this.pumpAgain && !this.stopped);
      } catch (error) {
        this.log.error("deploy loop step failed", { error: errorMessage(error) });
      } finally {
        this.pumping = false;
      }
    })();
  }

  private currentGeneration(): GenerationRecord | null {
    return this.state.generations.at(-1) ?? null;
  }

  private generationById(id: string): GenerationRecord | null {
    return this.state.generations.find((g) => g.id === id) ?? null;
  }

  private operationFor(candidate: Candidate): Operation {
    const remote = this.remoteConfig(candidate.remote);
    if (!remote) return candidate.isTesting ? "test" : "switch";
    return candidate.isTesting ? remote.branches.testing.operation : remote.branches.main.operation;
  }

  private remoteConfig(name: string): RemoteConfig | undefined {
    return this.config.remotes.find((remote) => remote.name === name);
  }

  /** Advances one stage; returns true when it did something and should be called again. */
  private async step(): Promise<boolean> {
    if (this.manualDeploy) return this.runManualDeploy();
    const candidate = this.state.candidate;
    if (!candidate) return false;
    let generation = this.currentGeneration();
    if (!generation || !targets(generation, candidate)) {
      // Saved with the start of its evaluation, a moment later.
      generation = this.newGeneration(candidate);
      return true;
    }
    const config = this.config;

    if (generation.eval.status === "pending") {
      await this.runEval(generation);
      return true;
    }
    if (generation.eval.status !== "done") return this.retryIfDue(generation, "eval");

    // §6: the machine-id guard runs before any build shortcut.
    if (generation.machineId !== null && generation.machineId !== this.options.hostMachineId) {
      if (generation.build.status === "pending") {
        const message = `machineId ${generation.machineId} does not match this machine (${this.options.hostMachineId ?? "unknown"})`;
        generation.build = { ...generation.build, status: "skipped", error: message };
        generation.deploy = { ...generation.deploy, status: "skipped", error: message };
        this.log.warn("generation stopped by the machine-id guard", { generation: generation.id, expected: generation.machineId, actual: this.options.hostMachineId });
        await this.save();
      }
      return false;
    }

    if (generation.build.status === "pending") {
      if (this.state.suspended) return false;
      if (!this.confirmed("build", generation, config.confirm.build)) return false;
      await this.runBuild(generation);
      return true;
    }
    if (generation.build.status !== "done") return this.retryIfDue(generation, "build");

    if (generation.deploy.status === "pending") {
      if (this.state.suspended) return false;
      const current = this.currentDeployment();
      if (current && current.outPath === generation.outPath && current.operation === generation.operation) {
        generation.deploy = { status: "skipped", deploymentId: current.id, error: null };
        this.log.info("already deployed: same system and operation", { generation: generation.id, deployment: current.id });
        await this.save();
        return false;
      }
      if (!this.confirmed("deploy", generation, config.confirm.deploy)) return false;
      await this.runDeploy(generation, generation.operation, `generation ${generation.id} needs to be deployed`);
      return true;
    }
    if (generation.deploy.status === "failed") return this.retryIfDue(generation, "deploy");
    return false;
  }

  private newGeneration(candidate: Candidate): GenerationRecord {
    const generation: GenerationRecord = {
      id: randomUUID(),
      commit: candidate.commit,
      remote: candidate.remote,
      branch: candidate.branch,
      isTesting: candidate.isTesting,
      message: (candidate.message ?? "").slice(0, MESSAGE_LIMIT),
      flakeUrl: null,
      drvPath: null,
      outPath: null,
      machineId: null,
      createdAt: this.at(),
      eval: { status: "pending", error: null, startedAt: null, endedAt: null },
      build: { status: "pending", error: null, startedAt: null, endedAt: null },
      operation: this.operationFor(candidate),
      deploy: { status: "pending", deploymentId: null, error: null },
      attempt: 0,
    };
    this.state.generations.push(generation);
    this.state.generations = this.state.generations.slice(-10);
    this.state.retry = null;
    this.clearConfirmations();
    this.log.info("new generation", { generation: generation.id, commit: generation.commit, branch: `${generation.remote}/${generation.branch}`, operation: generation.operation });
    return generation;
  }

  private refFor(generation: GenerationRecord): string {
    return `refs/remotes/${generation.remote}/${generation.branch}`;
  }

  private async runEval(generation: GenerationRecord): Promise<void> {
    const abort = new AbortController();
    this.stageAbort = abort;
    this.runningStage = { generationId: generation.id, stage: "eval" };
    const started = Date.now();
    generation.eval = { status: "running", error: null, startedAt: this.at(), endedAt: null };
    // Written while nix starts: a crash before the write only means the stage was still pending.
    void this.save();
    this.emit({ type: "eval-started", at: this.at(), generation: generation.id, commit: generation.commit });
    const log = this.log.child({ generation: generation.id });
    try {
      const result = await this.effects.evaluate({
        commit: generation.commit,
        ref: this.refFor(generation),
        signal: abort.signal,
        onLine: (line) => log.info("nix", { stage: "eval", line }),
      });
      Object.assign(generation, { drvPath: result.drvPath, outPath: result.outPath, machineId: result.machineId, flakeUrl: result.flakeUrl });
      generation.eval = { ...generation.eval, status: "done", endedAt: this.at() };
    } catch (error) {
      this.failStage(generation, "eval", error);
    } finally {
      this.stageAbort = null;
      this.runningStage = null;
    }
    await this.save();
    this.emit({ type: "eval-finished", at: this.at(), generation: generation.id, commit: generation.commit, status: generation.eval.status, error: generation.eval.error, durationMs: Date.now() - started });
  }

  private async runBuild(generation: GenerationRecord): Promise<void> {
    const drvPath = generation.drvPath;
    const outPath = generation.outPath;
    if (!drvPath || !outPath) {
      generation.build = { ...generation.build, status: "failed", error: "the evaluation gave no derivation" };
      return;
    }
    const abort = new AbortController();
    this.stageAbort = abort;
    this.runningStage = { generationId: generation.id, stage: "build" };
    const started = Date.now();
    generation.build = { status: "running", error: null, startedAt: this.at(), endedAt: null };
    void this.save();
    this.emit({ type: "build-started", at: this.at(), generation: generation.id, commit: generation.commit });
    const log = this.log.child({ generation: generation.id });
    const gcRoot = path.join(this.config.stateDir, "gcroots", generation.id);
    try {
      await mkdir(path.dirname(gcRoot), { recursive: true });
      // One nix process: `--realise` builds nothing when the output is already valid (the skip of
      // §5, after the machine-id guard) and registers the GC root either way.
      await this.effects.realise({ drvPath, gcRoot, signal: abort.signal, onLine: (line) => log.info("nix", { stage: "build", line }) });
      generation.build = { ...generation.build, status: "done", endedAt: this.at() };
    } catch (error) {
      if (error instanceof StageError && error.kind === "cancelled" && this.state.suspended) {
        // Suspension stops a running build; it starts again on resume (not a failed attempt).
        generation.build = { status: "pending", error: null, startedAt: null, endedAt: null };
      } else {
        this.failStage(generation, "build", error);
      }
    } finally {
      this.stageAbort = null;
      this.runningStage = null;
    }
    await this.save();
    this.emit({ type: "build-finished", at: this.at(), generation: generation.id, commit: generation.commit, status: generation.build.status, error: generation.build.error, durationMs: Date.now() - started });
    await this.pruneGcRoots();
  }

  private failStage(generation: GenerationRecord, stage: "eval" | "build", error: unknown): void {
    const cancelled = error instanceof StageError && error.kind === "cancelled";
    generation[stage] = { ...generation[stage], status: cancelled ? "cancelled" : "failed", error: cancelled ? "cancelled by a newer candidate" : errorMessage(error), endedAt: this.at() };
    if (!cancelled) generation.attempt += 1;
    this.log.error(`${stage === "eval" ? "evaluation" : "build"} failed`, { generation: generation.id, commit: generation.commit, error: generation[stage].error, attempt: generation.attempt });
  }

  private currentDeployment(): DeploymentRecord | null {
    return [...this.state.deployments].reverse().find((d) => d.kind === "deployment" && d.status === "done") ?? null;
  }

  private latestDeployment(): DeploymentRecord | null {
    return [...this.state.deployments].reverse().find((d) => d.kind === "deployment") ?? null;
  }

  private async runDeploy(generation: GenerationRecord, operation: Operation, reason: string): Promise<DeploymentRecord> {
    const outPath = generation.outPath ?? "";
    const deployment: DeploymentRecord = {
      id: randomUUID(),
      kind: "deployment",
      generationId: generation.id,
      commit: generation.commit,
      remote: generation.remote,
      branch: generation.branch,
      message: generation.message,
      operation,
      operationSubmitted: operation,
      reason,
      status: "running",
      outPath,
      profilePath: null,
      createdAt: this.at(),
      startedAt: this.at(),
      endedAt: null,
      error: null,
    };
    this.state.deployments.push(deployment);
    generation.deploy = { status: "running", deploymentId: deployment.id, error: null };
    this.runningStage = { generationId: generation.id, stage: "deploy" };
    await this.save();
    this.emit({ type: "deployment-started", at: this.at(), deployment: { ...deployment } });
    const started = Date.now();
    const log = this.log.child({ generation: generation.id, deployment: deployment.id });
    let unitChanged = false;
    try {
      const keep = applyRetention(this.state.deployments, this.config.retention, await this.bootedOutPath()).keepProfileLinks;
      const result = await this.effects.activate({ outPath, operation, keepProfileLinks: keep, onLine: (line) => log.info("activation", { line }) });
      unitChanged = result.unitChanged;
      deployment.operation = result.operation;
      deployment.profilePath = result.profilePath;
      if (result.reason) deployment.reason = result.reason;
      deployment.status = result.operation === null ? "skipped" : "done";
      generation.deploy = { ...generation.deploy, status: "done", error: null };
    } catch (error) {
      // The profile may already point at the new system when activation itself failed.
      if (error instanceof ActivationError) deployment.profilePath = error.result.profilePath;
      deployment.status = "failed";
      deployment.error = errorMessage(error);
      generation.deploy = { ...generation.deploy, status: "failed", error: deployment.error };
      generation.attempt += 1;
      log.error("deployment failed", { error: deployment.error, attempt: generation.attempt });
    } finally {
      this.runningStage = null;
    }
    deployment.endedAt = this.at();
    this.applyDeploymentRetention();
    await this.save();
    this.emit({ type: "deployment-finished", at: this.at(), deployment: { ...deployment }, durationMs: Date.now() - started });
    await this.runPostDeployment(generation, deployment);
    await this.checkReboot("deployment", deployment);
    if (unitChanged) {
      this.log.warn("the agent's systemd unit changed during the deployment: exiting so that systemd restarts it");
      await this.options.store.flush();
      this.options.exit(0);
    }
    return deployment;
  }

  private async runPostDeployment(generation: GenerationRecord, deployment: DeploymentRecord): Promise<void> {
    const command = this.config.postDeploymentCommand;
    if (!command) return;
    await this.effects.postDeployment(command, {
      COMIN_GIT_SHA: generation.commit,
      COMIN_GIT_REF: `${generation.remote}/${generation.branch}`,
      COMIN_GIT_MSG: generation.message.replace(/\n+$/, ""),
      COMIN_HOSTNAME: this.config.hostname,
      COMIN_GENERATION: generation.id,
      COMIN_OPERATION: deployment.operation ?? "skip",
      COMIN_STATUS: deployment.status === "failed" ? "failed" : "done",
      COMIN_ERROR_MSG: deployment.error ?? "",
      COMIN_FLAKE_URL: generation.flakeUrl ?? "",
    });
  }

  private applyDeploymentRetention(): void {
    const booted = this.bootedOutPathSync;
    this.state.deployments = applyRetention(this.state.deployments, this.config.retention, booted).kept;
  }

  private bootedOutPathSync: string | null = null;

  private async bootedOutPath(): Promise<string | null> {
    try {
      this.bootedOutPathSync = await realpath(this.config.paths.bootedSystem);
    } catch {
      this.bootedOutPathSync = null;
    }
    return this.bootedOutPathSync;
  }

  /** Removes GC roots of generations we no longer remember (deployed systems stay rooted by profiles). */
  private async pruneGcRoots(): Promise<void> {
    const dir = path.join(this.config.stateDir, "gcroots");
    const keep = new Set(this.state.generations.map((g) => g.id));
    const entries = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(entries.filter((name) => !keep.has(name)).map((name) => rm(path.join(dir, name), { force: true })));
  }

  // ---------------------------------------------------------------- retries (§10)

  private retryIfDue(generation: GenerationRecord, stage: Stage): boolean {
    const status = stage === "deploy" ? generation.deploy.status : generation[stage].status;
    if (status === "cancelled") {
      // Cancelled by a newer candidate that is no longer selected (e.g. reverted): start over.
      generation[stage as "eval" | "build"] = { status: "pending", error: null, startedAt: null, endedAt: null };
      return true;
    }
    const { attempts, backoff, maxBackoff } = this.config.retries;
    if (generation.attempt >= attempts) return false;
    let retry = this.state.retry;
    if (!retry || retry.generationId !== generation.id || retry.stage !== stage || retry.attempt !== generation.attempt) {
      const delay = retryDelaySeconds(generation.attempt, backoff, maxBackoff);
      retry = { generationId: generation.id, stage, attempt: generation.attempt, dueAt: new Date(this.now().getTime() + delay * 1000).toISOString() };
      this.state.retry = retry;
      void this.save();
      this.emit({ type: "retry-scheduled", at: this.at(), stage, attempt: generation.attempt + 1, of: attempts, due: retry.dueAt });
    }
    const wait = new Date(retry.dueAt).getTime() - this.now().getTime();
    if (wait > 0) {
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.kick(), wait + 5);
      return false;
    }
    this.state.retry = null;
    if (stage === "deploy") generation.deploy = { status: "pending", deploymentId: null, error: null };
    else generation[stage] = { status: "pending", error: null, startedAt: null, endedAt: null };
    this.log.info("retrying", { generation: generation.id, stage, attempt: generation.attempt + 1, of: attempts });
    return true;
  }

  // ---------------------------------------------------------------- confirmations (§11)

  private confirmed(stage: "build" | "deploy", generation: GenerationRecord, setting: CominConfig["confirm"]["build"]): boolean {
    if (setting.mode === "without") return true;
    const key = `${stage}:${generation.id}`;
    if (this.accepted.has(key)) return true;
    const existing = this.pendingConfirmations.get(stage);
    if (existing && existing.generationId === generation.id) return false;
    if (existing?.timer) clearTimeout(existing.timer);
    const submittedAt = this.now();
    const pending: PendingConfirmation = { stage, generationId: generation.id, submittedAt, autoAt: null, timer: null };
    if (setting.mode === "auto") {
      pending.autoAt = new Date(submittedAt.getTime() + setting.after * 1000);
      pending.timer = setTimeout(() => {
        this.accept(pending);
        this.kick();
      }, setting.after * 1000);
    }
    this.pendingConfirmations.set(stage, pending);
    this.emit({ type: "confirmation-pending", at: this.at(), confirmation: this.describeConfirmation(pending) });
    return false;
  }

  private accept(pending: PendingConfirmation): void {
    if (pending.timer) clearTimeout(pending.timer);
    this.accepted.add(`${pending.stage}:${pending.generationId}`);
    this.pendingConfirmations.delete(pending.stage);
    this.emit({ type: "confirmation-accepted", at: this.at(), confirmation: this.describeConfirmation(pending) });
  }

  private clearConfirmations(): void {
    for (const pending of this.pendingConfirmations.values()) if (pending.timer) clearTimeout(pending.timer);
    this.pendingConfirmations.clear();
    this.accepted.clear();
  }

  private describeConfirmation(pending: PendingConfirmation): ConfirmationStatus {
    const generation = this.generationById(pending.generationId);
    return {
      stage: pending.stage,
      mode: this.config.confirm[pending.stage].mode,
      generationId: pending.generationId,
      commit: generation?.commit ?? "",
      submittedAt: pending.submittedAt.toISOString(),
      autoAt: pending.autoAt?.toISOString() ?? null,
    };
  }

  confirmations(): ConfirmationStatus[] {
    return [...this.pendingConfirmations.values()].map((pending) => this.describeConfirmation(pending));
  }

  acceptConfirmation(): ConfirmationStatus[] {
    const accepted = this.confirmations();
    for (const pending of [...this.pendingConfirmations.values()]) {
      this.accept(pending);
      // Accepting a build also accepts the deployment of the same generation.
      if (pending.stage === "build") this.accepted.add(`deploy:${pending.generationId}`);
    }
    if (accepted.length) this.kick();
    return accepted;
  }

  // ---------------------------------------------------------------- suspend / manual

  async suspend(): Promise<void> {
    if (this.state.suspended) throw new Error("the agent is already suspended");
    this.state.suspended = true;
    await this.save();
    if (this.runningStage?.stage === "build") this.stageAbort?.abort();
    this.emit({ type: "suspended", at: this.at() });
  }

  async resume(): Promise<void> {
    if (!this.state.suspended) throw new Error("the agent is not suspended");
    this.state.suspended = false;
    await this.save();
    this.emit({ type: "resumed", at: this.at() });
    this.kick();
    void this.checkReboot("resume");
  }

  deployments(): DeploymentRecord[] {
    return this.state.deployments.map((d) => ({ ...d }));
  }

  async submitLatest(operation?: Operation): Promise<DeploymentRecord | null> {
    if (this.state.suspended) throw new Error("the agent is suspended: run `comin resume` first");
    const latest = this.latestDeployment();
    const generation = (latest?.generationId ? this.generationById(latest.generationId) : null) ?? this.currentGeneration();
    if (!generation) throw new Error("there is no generation to deploy yet");
    if (generation.eval.status === "done" && generation.build.status === "done" && generation.outPath) {
      const op = operation ?? generation.operation;
      return new Promise((resolve) => {
        this.manualDeploy = { generationId: generation.id, operation: op, resolve };
        this.kick();
      });
    }
    // Not built: give it a fresh set of attempts from the failed stage.
    generation.attempt = 0;
    this.state.retry = null;
    for (const stage of ["eval", "build"] as const) {
      if (generation[stage].status === "failed" || generation[stage].status === "cancelled") generation[stage] = { status: "pending", error: null, startedAt: null, endedAt: null };
    }
    if (generation.build.status === "skipped") throw new Error(generation.build.error ?? "the generation was stopped");
    await this.save();
    this.kick();
    return null;
  }

  private async runManualDeploy(): Promise<boolean> {
    const request = this.manualDeploy;
    this.manualDeploy = null;
    if (!request) return false;
    const generation = this.generationById(request.generationId);
    if (!generation) {
      request.resolve(null);
      return true;
    }
    const deployment = await this.runDeploy(generation, request.operation, `the latest generation ${generation.id} was resubmitted`);
    request.resolve(deployment);
    return true;
  }

  // ---------------------------------------------------------------- reboots (§8)

  private checkReboot(trigger: string, deployment?: DeploymentRecord): Promise<void> {
    this.rebootCheck = this.rebootCheck.then(() => this.checkRebootNow(deployment)).catch((error: unknown) => {
      this.log.error("reboot check failed", { trigger, error: errorMessage(error) });
    });
    return this.rebootCheck;
  }

  private async checkRebootNow(deployment?: DeploymentRecord): Promise<void> {
    if (this.stopped) return;
    const policy = this.config.reboot.policy;
    const detection = await this.effects.detectNeedToReboot(this.currentDeployment());
    if (detection.unknown && !this.rebootUnknownLogged) {
      this.rebootUnknownLogged = true;
      this.log.info("cannot tell whether a reboot is needed (no kernel, initrd or kernel-modules links to compare): assuming not");
    }
    // `always` also reboots after every successful boot deployment, even into the same system.
    if (policy === "always" && deployment?.status === "done" && deployment.operation === "boot") this.rebootAfterBoot = true;
    const needed = detection.needed || this.rebootAfterBoot;
    const reason = detection.reason ?? (this.rebootAfterBoot ? "a boot deployment (policy always)" : null);
    if (needed && !this.needToReboot) this.emit({ type: "reboot-required", at: this.at(), reason: reason ?? "unknown" });
    this.needToReboot = needed;
    this.needToRebootReason = needed ? reason : null;
    if (!needed || (policy !== "when-needed" && policy !== "always")) return;
    if (this.state.suspended || this.runningStage?.stage === "deploy") return;
    if (!this.effects.isInsideWindow(this.now(), this.config.reboot.windows)) return;
    const current = await realpath(this.config.paths.currentSystem).catch(() => null);
    const booted = await this.bootedOutPath();
    const pair = `${current ?? "?"}|${booted ?? "?"}`;
    const last = this.state.rebootAttempt;
    if (last && last.pair === pair && (last.ok || this.now().getTime() - new Date(last.at).getTime() < REBOOT_RETRY_MS)) return;
    await this.reboot(pair, reason ?? "reboot needed", current, booted);
  }

  private async reboot(pair: string, reason: string, current: string | null, booted: string | null): Promise<void> {
    const at = this.at();
    const record = { at, reason, from: booted, to: current };
    this.state.lastReboot = record;
    this.state.rebootAttempt = { pair, at, ok: false, error: "the reboot command has not finished" };
    this.state.deployments.push({
      id: randomUUID(),
      kind: "reboot",
      generationId: null,
      commit: null,
      remote: null,
      branch: null,
      message: null,
      operation: null,
      operationSubmitted: null,
      reason,
      status: "done",
      outPath: current,
      profilePath: null,
      createdAt: at,
      startedAt: at,
      endedAt: at,
      error: null,
    });
    // Recorded before the command runs: a real reboot does not come back to finish this function.
    await this.save();
    await this.options.store.flush();
    this.emit({ type: "reboot", at, reboot: record });
    const [file, ...args] = this.config.reboot.command;
    try {
      const result = await execa(file ?? "systemctl", args, { reject: false, timeout: 120_000, stdin: "ignore", all: true });
      if (result.exitCode === 0) {
        this.state.rebootAttempt = { pair, at, ok: true, error: null };
        this.rebootAfterBoot = false;
      } else {
        const error = result.timedOut ? "the reboot command timed out after 2m" : `the reboot command exited with ${String(result.exitCode)}: ${tail(result.all ?? "")}`;
        this.state.rebootAttempt = { pair, at, ok: false, error };
        this.log.error("reboot command failed: trying again in 10 minutes inside a window", { error });
      }
    } catch (error) {
      this.state.rebootAttempt = { pair, at, ok: false, error: errorMessage(error) };
      this.log.error("reboot command failed: trying again in 10 minutes inside a window", { error: errorMessage(error) });
    }
    await this.save();
  }

  // ---------------------------------------------------------------- status

  status(): StatusJson {
    const generation = this.currentGeneration();
    const deployment = this.latestDeployment();
    return {
      hostname: this.config.hostname,
      version: VERSION,
      suspended: this.state.suspended,
      needToReboot: this.needToReboot,
      needToRebootReason: this.needToRebootReason,
      baseline: this.state.baseline,
      remotes: this.config.remotes.map((remote) => {
        const branches = this.state.branches[remote.name];
        return {
          name: remote.name,
          url: redactUrl(remote.url),
          lastFetch: this.state.lastFetch[remote.name] ?? null,
          main: branches?.main ?? { name: remote.branches.main.name, commit: null, error: null },
          testing: branches?.testing ?? { name: remote.branches.testing.name, commit: null, error: null },
        };
      }),
      candidate: this.state.candidate,
      generation: generation ? { ...generation } : null,
      deployment: deployment ? { ...deployment } : null,
      lastReboot: this.state.lastReboot,
      confirmations: this.confirmations(),
      pending: this.describePending(generation),
      retry: this.state.retry
        ? { stage: this.state.retry.stage, attempt: this.state.retry.attempt + 1, of: this.config.retries.attempts, at: this.state.retry.dueAt }
        : null,
      fetching: this.options.fetcher.fetching,
      startedAt: this.startedAt.toISOString(),
    };
  }

  private describePending(generation: GenerationRecord | null): string | null {
    if (this.state.suspended) return "suspended: builds and deployments wait for `comin resume`";
    const confirmation = [...this.pendingConfirmations.values()][0];
    if (confirmation) {
      return confirmation.autoAt
        ? `the ${confirmation.stage} proceeds at ${confirmation.autoAt.toISOString()} unless confirmed earlier`
        : `the ${confirmation.stage} waits for \`comin confirmation accept\``;
    }
    if (this.state.retry) return `retry of the ${this.state.retry.stage} at ${this.state.retry.dueAt}`;
    if (this.runningStage) return `${this.runningStage.stage} running`;
    if (generation && generation.attempt >= this.config.retries.attempts && [generation.eval.status, generation.build.status, generation.deploy.status].includes("failed")) {
      return `gave up after ${generation.attempt} attempts: waiting for a new commit or \`comin deployment submit-latest\``;
    }
    if (this.needToReboot && (this.config.reboot.policy === "when-needed" || this.config.reboot.policy === "always")) {
      return this.effects.isInsideWindow(this.now(), this.config.reboot.windows) ? "a reboot" : "a reboot window";
    }
    return null;
  }

  /** For tests and the demo: resolves when the pump has nothing left to do right now. */
  async settled(): Promise<void> {
    await this.idle;
  }
}

function sameCandidate(a: Candidate | null, b: Candidate | null): boolean {
  if (!a || !b) return a === b;
  return a.commit === b.commit && a.isTesting === b.isTesting && a.remote === b.remote && a.branch === b.branch;
}

function targets(generation: GenerationRecord, candidate: Candidate): boolean {
  return generation.commit === candidate.commit && generation.isTesting === candidate.isTesting && generation.remote === candidate.remote && generation.branch === candidate.branch;
}

/** Drops credentials a user may have left in a URL, for status output. */
export function redactUrl(url: string): string {
  return url.replace(/^(https?:\/\/)[^/@]*@/, "$1");
}

function tail(text: string, lines = 5): string {
  return text.trim().split("\n").slice(-lines).join("\n");
}

function summarise(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      for (const inner of ["id", "commit", "status", "operation", "error", "remote", "branch", "stage", "reason", "isTesting"]) {
        if (inner in record) out[`${key}.${inner}`] = record[inner];
      }
    } else {
      out[key] = value;
    }
  }
  return out;
}

