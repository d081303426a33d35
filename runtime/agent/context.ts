/** What the agent's action runners share: config, state, ports, log and the event bus. */
import type { CominConfig } from "../../dsl/schema.js";
import type { Logger } from "../log.js";
import type { Ports } from "../ports.js";
import type { State } from "../state/state.js";
import type { EventBus } from "./events.js";

export interface AgentContext {
  readonly config: CominConfig;
  readonly log: Logger;
  readonly state: State;
  readonly ports: Ports;
  readonly events: EventBus;
  /** Persists the state as it is now; a failure is logged and retried by the store. */
  save(): Promise<void>;
  /**
   * Persists the state shortly, off the caller's path: for records whose loss in a crash recovery
   * handles (a stage started or ended; §9 treats it as interrupted). Before anything irreversible
   * (an activation, a reboot, a baseline move), `save()` is awaited instead.
   */
  saveSoon(): void;
  /** The clock's now, as an ISO string. */
  at(): string;
}
