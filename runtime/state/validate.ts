/**
 * Turns the text of `state.json` into a State, or into the reasons it cannot be one. Keys this
 * agent does not know are dropped and named (see schema.ts for why they do not discard the file);
 * anything else that does not match the schema makes the whole file unusable.
 */
import type { z } from "zod";
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
  const first = StateFile.safeParse(value);
  if (first.success) return { ok: true, state: first.data, droppedKeys: [] };
  const unknown = first.error.issues.filter((issue) => issue.code === "unrecognized_keys");
  if (unknown.length < first.error.issues.length) return { ok: false, reason: describe(first.error.issues.filter((issue) => issue.code !== "unrecognized_keys")) };

  const droppedKeys: string[] = [];
  for (const issue of unknown) {
    const owner = at(value, issue.path);
    for (const key of issue.keys) {
      delete owner[key];
      droppedKeys.push(formatPath([...issue.path, key]));
    }
  }
  const second = StateFile.safeParse(value);
  if (!second.success) return { ok: false, reason: describe(second.error.issues) };
  return { ok: true, state: second.data, droppedKeys };
}

function at(value: unknown, path: readonly PropertyKey[]): Record<string, unknown> {
  let node = value as Record<PropertyKey, unknown>;
  for (const key of path) node = node[key] as Record<PropertyKey, unknown>;
  return node as Record<string, unknown>;
}

function describe(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, MAX_REPORTED).map((issue) => `${formatPath(issue.path) || "(top)"}: ${issue.message}`);
  if (issues.length > MAX_REPORTED) shown.push(`and ${issues.length - MAX_REPORTED} more problems`);
  return shown.join("; ");
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}
