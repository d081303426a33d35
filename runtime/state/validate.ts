/**
 * Turns the text of `state.json` into a State, or into the reasons it cannot be one. Keys this
 * agent does not know are dropped and named (see schema.ts for why they do not discard the file);
 * anything else that does not match the schema makes the whole file unusable.
 */
import * as v from "../validate/index.js";
import { StateFile } from "./schema.js";
import { migrateFromV1, type State } from "./state.js";

export type Validated = { ok: true; state: State; droppedKeys: string[] } | { ok: false; reason: string };

const MAX_REPORTED = 10;

export function validateStateText(text: string): Validated {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `invalid JSON: ${(error as Error).message}` };
  }
  // Version 1 (the first agents) is migrated before it is checked against today's shape.
  if (value !== null && typeof value === "object" && (value as { schemaVersion?: unknown }).schemaVersion === 1) value = migrateFromV1(value as Record<string, unknown>);
  const checked = v.check(StateFile, value, { dropUnknownKeys: true });
  if (!checked.ok) return { ok: false, reason: v.describeIssues(checked.issues, { top: "(top)", max: MAX_REPORTED }) };
  return { ok: true, state: checked.value, droppedKeys: checked.droppedKeys.map((path) => v.formatPath(path)) };
}
