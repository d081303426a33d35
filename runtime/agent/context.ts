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
  /** The clock's now, as an ISO string. */
  at(): string;
}
