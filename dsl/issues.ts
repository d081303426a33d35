import leven from "leven";
import { z } from "zod";

export { formatIssue, formatPath, type ConfigIssue } from "./issue-format.js";
import type { ConfigIssue } from "./issue-format.js";

/** The closest candidate within an edit distance that still looks like a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = leven(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  return bestDistance <= allowed ? best : undefined;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    if (current instanceof z.ZodDefault || current instanceof z.ZodPrefault || current instanceof z.ZodNullable || current instanceof z.ZodOptional) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      return current;
    }
  }
}

/** The keys an object schema allows at `path`, or [] when the path is not an object. */
export function knownKeysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let current = unwrap(schema);
  for (const segment of path) {
    if (current instanceof z.ZodArray && typeof segment === "number") {
      current = unwrap(current.element as z.ZodType);
    } else if (current instanceof z.ZodObject && typeof segment === "string" && segment in current.shape) {
      current = unwrap(current.shape[segment] as z.ZodType);
    } else if (current instanceof z.ZodRecord && typeof segment === "string") {
      current = unwrap(current.valueType as z.ZodType);
    } else {
      return [];
    }
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const suggestion = closest(key, known);
  const hint = suggestion ? ` (did you mean "${suggestion}"?)` : known.length ? ` (allowed: ${known.join(", ")})` : "";
  return `unknown key "${key}"${hint}`;
}

/** Turns zod issues into ConfigIssues: one per unknown key, with a suggestion. */
export function fromZodError(error: z.ZodError, schema: z.ZodType): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(schema, path);
      for (const key of issue.keys) issues.push({ path: [...path, key], message: unknownKeyMessage(key, known) });
    } else if (issue.code === "invalid_union" && issue.errors.length > 0 && path.length > 0) {
      issues.push({ path, message: issue.message });
    } else if (issue.code === "invalid_type" && issue.input === undefined) {
      issues.push({ path, message: `required: ${issue.message.replace(/^Invalid input: /, "")}` });
    } else if (issue.code === "invalid_value" && "values" in issue && /^Invalid (?:input|option)\b/.test(issue.message)) {
      // Only zod's own wording is replaced: a schema's custom message (schemaVersion) says more.
      const allowed = issue.values.map((v) => JSON.stringify(v));
      const got = JSON.stringify(issue.input);
      const suggestion = typeof issue.input === "string" ? closest(issue.input, issue.values.map(String)) : undefined;
      issues.push({
        path,
        message: `invalid value ${got}: expected one of ${allowed.join(", ")}${suggestion ? ` (did you mean "${suggestion}"?)` : ""}`,
      });
    } else {
      issues.push({ path, message: issue.message });
    }
  }
  return issues;
}
