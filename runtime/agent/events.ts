/**
 * The event bus: every event of the loop goes to the log (static message, summarised fields) and to
 * each subscriber (the local API's event stream, the metrics). A failing subscriber never breaks
 * the loop.
 */
import { errorMessage } from "../errors.js";
import type { Logger } from "../log.js";
import type { CominEvent } from "../types.js";

/** Fields of nested records worth a log line. */
const SUMMARY_KEYS = ["id", "commit", "status", "operation", "error", "remote", "branch", "stage", "reason", "isTesting"];

export class EventBus {
  private readonly listeners = new Set<(event: CominEvent) => void>();

  constructor(private readonly log: Logger) {}

  subscribe(listener: (event: CominEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: CominEvent): void {
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
}

function summarise(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      for (const inner of SUMMARY_KEYS) if (inner in record) out[`${key}.${inner}`] = record[inner];
    } else {
      out[key] = value;
    }
  }
  return out;
}
