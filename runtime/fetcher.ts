/**
 * When to fetch (behaviour.md §2): at start-up, on each remote's poll timer, and on request
 * (webhook, `comin fetch`). One fetch round at a time; requests arriving during a round coalesce
 * into the next one. The remotes of a round are fetched concurrently, each under its own timeout,
 * so a hung remote delays nobody beyond that timeout.
 */
import type { RemoteConfig } from "../dsl/schema.js";
import { errorMessage } from "./errors.js";
import { GitError, type GitRepository } from "./git/repository.js";
import type { Logger } from "./log.js";
import { unknownRemotes } from "./remotes.js";
import type { FetchOutcome } from "./types.js";

export interface FetcherOptions {
  repo: GitRepository;
  remotes: readonly RemoteConfig[];
  log: Logger;
  /**
   * Called after each round with its outcomes, before the requests it served resolve (the
   * agent runs selection here). It must not await `request()`: that round is still running.
   */
  onFetched: (outcomes: FetchOutcome[]) => Promise<void> | void;
  /** Source of the poll jitter, in [0, 1). */
  random?: () => number;
}

interface Waiter {
  remotes: readonly string[];
  resolve: (outcomes: FetchOutcome[]) => void;
}

interface Round {
  remotes: Set<string>;
  waiters: Waiter[];
}

export class Fetcher {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private pending: Round | null = null;
  private current: Promise<void> | null = null;
  private abort: AbortController | null = null;
  private started = false;
  private stopped = false;

  constructor(private readonly opts: FetcherOptions) {}

  get fetching(): boolean {
    return this.current !== null;
  }

  /** Starts the poll timers (interval + random jitter; interval 0 = no timer) and fetches every remote now. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    for (const remote of this.opts.remotes) this.schedule(remote);
    void this.request();
  }

  /** Clears the timers and aborts a running fetch; requests not yet served resolve as failed. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.abort?.abort();
    const unserved = this.pending;
    this.pending = null;
    for (const waiter of unserved?.waiters ?? []) waiter.resolve(stoppedOutcomes(waiter.remotes));
    await this.current;
  }

  /**
   * Fetches these remotes (all when undefined) in the next round and resolves with their outcomes
   * in that round. Rejects for a remote name that is not configured.
   */
  request(remotes?: string[]): Promise<FetchOutcome[]> {
    const known = this.opts.remotes.map((remote) => remote.name);
    const names = remotes ?? known;
    const unknown = unknownRemotes(names, known);
    if (unknown !== null) return Promise.reject(new Error(unknown));
    if (this.stopped) return Promise.resolve(stoppedOutcomes(names));
    const round = (this.pending ??= { remotes: new Set(), waiters: [] });
    for (const name of names) round.remotes.add(name);
    const served = new Promise<FetchOutcome[]>((resolve) => round.waiters.push({ remotes: names, resolve }));
    this.pump();
    return served;
  }

  private pump(): void {
    if (this.current !== null || this.pending === null || this.stopped) return;
    const round = this.pending;
    this.pending = null;
    this.current = this.run(round).finally(() => {
      this.current = null;
      this.pump();
    });
  }

  private async run(round: Round): Promise<void> {
    const controller = new AbortController();
    this.abort = controller;
    const remotes = this.opts.remotes.filter((remote) => round.remotes.has(remote.name));
    const outcomes = await Promise.all(remotes.map((remote) => this.fetchOne(remote, controller.signal)));
    this.abort = null;
    if (!this.stopped) {
      try {
        await this.opts.onFetched(outcomes);
      } catch (error) {
        this.opts.log.error("handling fetched remotes failed", { error: errorMessage(error) });
      }
      // Inside the round (no fetch runs meanwhile), after selection: never before a candidate.
      // stop() cancels it like a fetch.
      this.abort = controller;
      await this.opts.repo.maintainAfterChanges(controller.signal);
      this.abort = null;
    }
    for (const waiter of round.waiters) waiter.resolve(outcomes.filter((outcome) => waiter.remotes.includes(outcome.remote)));
  }

  private async fetchOne(remote: RemoteConfig, signal: AbortSignal): Promise<FetchOutcome> {
    const started = Date.now();
    try {
      await this.opts.repo.fetch(remote, signal);
      return { remote: remote.name, ok: true, error: null, durationMs: Date.now() - started };
    } catch (error) {
      const message = errorMessage(error);
      // A warning, so that alerting on the log level sees it; a fetch cancelled by stop() is not a failure.
      if (error instanceof GitError && error.kind === "cancelled") this.opts.log.debug("fetch cancelled", { remote: remote.name });
      else this.opts.log.warn("fetch failed", { remote: remote.name, error: message });
      return { remote: remote.name, ok: false, error: message, durationMs: Date.now() - started };
    }
  }

  /** Next poll of `remote`, one interval (plus jitter) after this one started. */
  private schedule(remote: RemoteConfig): void {
    if (this.stopped || remote.poll.interval <= 0) return;
    const random = this.opts.random ?? Math.random;
    const delayMs = (remote.poll.interval + random() * remote.poll.jitter) * 1000;
    const timer = setTimeout(() => {
      this.timers.delete(remote.name);
      // Polls are timed from the start of the previous one, not its end, so a slow round does not
      // stretch the interval. A remote already waiting for the next round is not queued twice.
      this.schedule(remote);
      if (!this.pending?.remotes.has(remote.name)) void this.request([remote.name]);
    }, delayMs);
    this.timers.set(remote.name, timer);
  }
}

function stoppedOutcomes(remotes: readonly string[]): FetchOutcome[] {
  return remotes.map((remote) => ({ remote, ok: false, error: "the fetcher was stopped" }));
}
