/**
 * The agent: the deploy loop of behaviour.md §2. It asks the planner (plan.ts) for the next action,
 * runs it through the ports, records the result in the state, and asks again. One action runs at a
 * time; while an evaluation or build runs the planner is still asked (after each fetch, timer or
 * request), so that a newer candidate or a suspension can stop it.
 */
import type { CominConfig } from "../../dsl/schema.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../log.js";
import type { Ports, Timer } from "../ports.js";
import { applyRetention } from "../state/retention.js";
import type { State } from "../state/state.js";
import type { DeploymentRecord, Operation } from "../types.js";
import { applyQuickAction, isQuickAction } from "./bookkeeping.js";
import { runBuild, runEvaluation, type CancelReason } from "./build.js";
import { Confirmations } from "./confirmations.js";
import type { AgentContext } from "./context.js";
import { runDeployment } from "./deploy.js";
import { EventBus } from "./events.js";
import { plan, type Action, type Running } from "./plan.js";
import { RebootWatch, runReboot } from "./reboot.js";
import { RebootLockKeeper } from "./reboot-lock.js";
import { recoverInterrupted } from "./recovery.js";
import { fetchRound } from "./requests.js";
import { HealthActions } from "./health-actions.js";
import { markBootVerification } from "./verify.js";

/** Windows are re-checked against the wall clock at least this often (§8: clocks jump). */
const WINDOW_CHECK_MS = 10_000;
/** Quick actions applied in one turn before the agent suspects a planner loop. */
const MAX_ACTIONS_PER_TURN = 100;

export interface AgentOptions {
  config: CominConfig;
  log: Logger;
  state: State;
  ports: Ports;
  /** Called to restart the agent after its unit changed (exit 0; systemd restarts it). */
  exit: (code: number) => void;
}

interface RunningAction extends Running {
  abort: AbortController;
  done: Promise<void>;
}

type ManualDeploy = { generationId: string; operation: Operation; resolve: (d: DeploymentRecord | null) => void };

export class Agent {
  readonly ctx: AgentContext;
  readonly events: EventBus;
  readonly confirmations: Confirmations;
  readonly reboots: RebootWatch;
  /** null: `reboot.coordination` is not set. */
  readonly rebootLock: RebootLockKeeper | null;
  readonly startedAt: Date;
  private running: RunningAction | null = null;
  private manualDeploy: ManualDeploy | null = null;
  private turnScheduled = false;
  private stopped = false;
  private waitTimer: Timer | null = null;
  private windowTimer: Timer | null = null;
  private rebootRefresh: Promise<void> = Promise.resolve();
  private readonly health: HealthActions;

  constructor(private readonly options: AgentOptions) {
    const { config, log, state, ports } = options;
    this.events = new EventBus(log);
    this.ctx = {
      config,
      log,
      state,
      ports,
      events: this.events,
      save: () =>
        ports.store.save(state).catch(() => {
          // Logged and retried by the store; the loop goes on with the state in memory.
        }),
      saveSoon: () => ports.store.saveSoon(state),
      at: () => ports.clock.now().toISOString(),
    };
    this.confirmations = new Confirmations(config.confirm, ports.clock, this.events, () => this.kick());
    this.reboots = new RebootWatch(config.reboot.policy);
    this.rebootLock = ports.rebootLock ? new RebootLockKeeper(ports.rebootLock, ports.machine.machineId ?? config.hostname, config.reboot.coordination?.slots ?? 1) : null;
    this.startedAt = ports.clock.now();
    this.health = new HealthActions(this.ctx, () => this.refreshReboots());
  }

  /** Recovers from a crash, checks reboots, starts fetching and the loop. */
  async start(): Promise<void> {
    const { ctx } = this;
    // The booted system is read first, so that retention below keeps its deployment.
    await this.refreshReboots();
    if (this.rebootLock && !ctx.state.rebootLock) void this.rebootLock.refreshView();
    const interrupted = recoverInterrupted(ctx.state, ctx.at(), ctx.config.retries.attempts);
    if (interrupted?.retried) ctx.log.warn("a stage was interrupted by an agent restart: it will be retried", { generation: interrupted.generationId, stage: interrupted.stage });
    else if (interrupted) ctx.log.warn("a stage was interrupted by an agent restart during the last attempt: given up", { generation: interrupted.generationId, stage: interrupted.stage });
    markBootVerification(ctx, this.reboots.facts.booted);
    ctx.state.deployments = applyRetention(ctx.state.deployments, ctx.config.retention, this.reboots.facts.booted).kept;
    await ctx.save();
    this.scheduleWindowCheck();
    ctx.ports.source.start(async (outcomes) => {
      await fetchRound(ctx, outcomes);
      this.kick();
    });
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.waitTimer?.cancel();
    this.windowTimer?.cancel();
    this.confirmations.clear();
    // A verification stops too (the next start verifies again); a rollback is awaited.
    if (this.running && (this.running.kind === "evaluate" || this.running.kind === "build" || this.running.kind === "verify")) this.running.abort.abort("stopping" satisfies CancelReason);
    await this.ctx.ports.source.stop();
    await this.running?.done;
    await this.rebootRefresh;
    await this.ctx.ports.store.flush();
  }

  private scheduleWindowCheck(): void {
    this.windowTimer = this.ctx.ports.clock.setTimer(WINDOW_CHECK_MS, () => {
      if (this.stopped) return;
      void this.refreshReboots().then(() => this.kick());
      this.scheduleWindowCheck();
    });
  }

  /** Detections are serialised, so that an older one never overwrites a newer one. */
  refreshReboots(): Promise<void> {
    this.rebootRefresh = this.rebootRefresh
      .then(() => this.reboots.refresh(this.ctx))
      .then(() => this.rebootLock?.settle(this.ctx, this.reboots.facts, this.startedAt))
      .catch((error: unknown) => this.ctx.log.error("reboot check failed", { error: errorMessage(error) }));
    return this.rebootRefresh;
  }

  /** What the agent would do now (pure: status and `comin plan` show it). */
  next(): Action {
    return plan({
      state: this.ctx.state,
      config: this.ctx.config,
      now: this.ctx.ports.clock.now(),
      facts: {
        running: this.running ? { kind: this.running.kind, generationId: this.running.generationId } : null,
        hostMachineId: this.ctx.ports.machine.machineId,
        confirmations: { accepted: this.confirmations.accepted, pending: this.confirmations.list() },
        manualDeploy: this.manualDeploy,
        reboot: this.reboots.facts,
        rebootLockBlock: this.rebootLock?.block ?? null,
      },
    });
  }

  /** Deploys a generation as soon as nothing else runs; resolves with the deployment. */
  requestDeploy(generationId: string, operation: Operation): Promise<DeploymentRecord | null> {
    return new Promise((resolve) => {
      this.manualDeploy?.resolve(null);
      this.manualDeploy = { generationId, operation, resolve };
      this.kick();
    });
  }

  /** Asks the planner again soon; many kicks in a row make one turn. */
  kick(): void {
    if (this.stopped || this.turnScheduled) return;
    this.turnScheduled = true;
    queueMicrotask(() => {
      this.turnScheduled = false;
      this.turn();
    });
  }

  private turn(): void {
    this.waitTimer?.cancel();
    this.waitTimer = null;
    for (let i = 0; i < MAX_ACTIONS_PER_TURN; i++) {
      if (this.stopped) return;
      const action = this.next();
      try {
        if (!this.apply(action)) return;
      } catch (error) {
        this.ctx.log.error("deploy loop step failed", { action: action.kind, error: errorMessage(error) });
        return;
      }
    }
    this.ctx.log.error("the planner keeps asking for quick actions: stopping this turn", { action: this.next().kind });
  }

  /** Runs one action; returns true when the planner should be asked again at once. */
  private apply(action: Action): boolean {
    const { ctx } = this;
    if (isQuickAction(action)) {
      applyQuickAction(ctx, action, () => this.confirmations.clear());
      return true;
    }
    const generation = "generationId" in action ? ctx.state.generations.find((g) => g.id === action.generationId) : undefined;
    switch (action.kind) {
      case "cancel":
        if (this.running?.generationId === action.generationId) {
          ctx.log.info(action.reason === "preempted" ? "a newer candidate preempts the running stage" : "the suspension stops the running build", { generation: action.generationId, stage: action.stage });
          this.running.abort.abort(action.reason satisfies CancelReason);
        }
        return false;
      case "ask-confirmation":
        if (generation) this.confirmations.ask(action.stage, generation.id, generation.commit);
        return generation !== undefined;
      case "evaluate":
        if (generation) this.startAction("evaluate", generation.id, (signal) => runEvaluation(ctx, generation, signal));
        return false;
      case "build":
        if (generation) this.startAction("build", generation.id, (signal) => runBuild(ctx, generation, signal));
        return false;
      case "deploy":
        this.startDeploy(action);
        return false;
      case "reboot":
        this.startAction("reboot", null, async () => {
          // §16: a slot of the fleet's reboot lock first; no slot, no reboot (the planner waits).
          if (this.rebootLock && !(await this.rebootLock.take(ctx, this.reboots.facts))) return;
          await runReboot(ctx, this.reboots, action.reason, action.pair);
        });
        return false;
      case "verify":
      case "verify-boot":
      case "rollback": {
        const { kind, body } = this.health.run(action);
        this.startAction(kind, null, body);
        return false;
      }
      case "wait":
        if (action.until) this.waitTimer = ctx.ports.clock.setTimer(action.until.getTime() - ctx.ports.clock.now().getTime() + 5, () => this.kick());
        return false;
      case "idle":
        return false;
    }
  }

  private startAction(kind: Running["kind"], generationId: string | null, run: (signal: AbortSignal) => Promise<void>): void {
    const abort = new AbortController();
    const action: RunningAction = { kind, generationId, abort, done: Promise.resolve() };
    this.running = action;
    action.done = (async () => {
      try {
        await run(abort.signal);
      } catch (error) {
        this.ctx.log.error("deploy loop step failed", { action: kind, error: errorMessage(error) });
      } finally {
        this.running = null;
        this.kick();
      }
    })();
  }

  private startDeploy(action: Extract<Action, { kind: "deploy" }>): void {
    const request = action.manual ? this.manualDeploy : null;
    if (action.manual) this.manualDeploy = null;
    const generation = this.ctx.state.generations.find((g) => g.id === action.generationId);
    if (!generation) {
      request?.resolve(null);
      return;
    }
    this.startAction("deploy", generation.id, async () => {
      const outcome = await runDeployment(this.ctx, generation, action.operation, action.reason);
      request?.resolve(outcome.deployment);
      this.reboots.deployed(outcome.deployment.operation, outcome.deployment.status);
      await this.refreshReboots();
      if (outcome.unitChanged) {
        this.ctx.log.warn("the agent's systemd unit changed during the deployment: exiting so that systemd restarts it");
        await this.ctx.ports.store.flush();
        this.options.exit(0);
      }
    });
  }

  /** `comin rollback` (§14): recorded now, run by the planner; resolves when the rollback ended. */
  requestRollback(options: { quarantine: boolean }): Promise<DeploymentRecord> {
    const busy = this.running && this.running.kind !== "evaluate" && this.running.kind !== "build" ? this.running.kind : null;
    return this.health.requestRollback(options, busy, () => this.kick());
  }

  get isFetching(): boolean {
    return this.ctx.ports.source.fetching;
  }
}
