/**
 * The daemon's own small validator (issue 15): what the long-running process checks — state.json,
 * API request bodies, prebuilt manifests — without loading zod, which the DSL keeps for what users
 * write. A schema walks a JSON value, returns what it keeps, and records each problem with its path
 * into a shared context; the output type of a schema is inferred as zod's would be.
 *
 * Messages follow zod's wording ("Invalid input: expected string, received number"), so that a
 * reason reads the same whichever side of the agent produced it.
 */

export type Path = readonly (string | number)[];

export interface Issue {
  path: Path;
  message: string;
}

/** A message, or a function of the rejected value giving one. */
export type Message = string | ((value: unknown) => string);

export interface Context {
  issues: Issue[];
  /** When set, keys a strict object does not know are dropped and named here instead of being issues. */
  droppedKeys: Path[] | null;
}

export const INVALID: unique symbol = Symbol("invalid");
export type Invalid = typeof INVALID;

/** What a run of a schema gives: its output, or INVALID after recording at least one issue. */
export type Run<Out> = (value: unknown, path: Path, ctx: Context) => Out | Invalid;

export class Schema<Out> {
  /** Only for type inference: never set. */
  declare readonly output: Out;

  constructor(readonly run: Run<Out>) {}

  nullable(): Schema<Out | null> {
    return new Schema<Out | null>((value, path, ctx) => (value === null ? null : this.run(value, path, ctx)));
  }

  optional(): Optional<Out> {
    return new Optional<Out>((value, path, ctx) => (value === undefined ? undefined : this.run(value, path, ctx)));
  }

  /** A missing value (undefined) becomes a fresh copy of `value`, so that no two outputs share it. */
  default(value: Exclude<Out, undefined>): Schema<Exclude<Out, undefined>> {
    return new Schema((input, path, ctx) => (input === undefined ? structuredClone(value) : (this.run(input, path, ctx) as Exclude<Out, undefined> | Invalid)));
  }

  /** A further check on a valid output. */
  refine(check: (value: Out) => boolean, message: Message): Schema<Out> {
    return new Schema((value, path, ctx) => {
      const out = this.run(value, path, ctx);
      if (out === INVALID) return INVALID;
      return check(out) ? out : fail(ctx, path, message, value);
    });
  }
}

/** A schema whose key may be absent from an object (its output type has `key?:`). */
export class Optional<Out> extends Schema<Out | undefined> {
  declare readonly optionalKey: true;
}

export type Output<S> = S extends Schema<infer Out> ? Out : never;

/** Records an issue and gives INVALID, for `return fail(...)` in a run. */
export function fail(ctx: Context, path: Path, message: Message, value: unknown): Invalid {
  ctx.issues.push({ path, message: typeof message === "string" ? message : message(value) });
  return INVALID;
}

/** zod's name for what was received: `null`, `array`, `NaN` apart from their `typeof`. */
export function received(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number" && Number.isNaN(value)) return "NaN";
  return typeof value;
}

export function invalidType(ctx: Context, path: Path, expected: string, value: unknown): Invalid {
  return fail(ctx, path, `Invalid input: expected ${expected}, received ${received(value)}`, value);
}

export type Checked<Out> = { ok: true; value: Out; droppedKeys: Path[] } | { ok: false; issues: Issue[] };

/**
 * Checks `value` against `schema`. Unknown keys of strict objects are issues, unless `dropUnknownKeys`
 * is set: then they are left out of the output and listed in `droppedKeys` (state.json, see
 * runtime/state/schema.ts), and only the other issues make the value unusable.
 */
export function check<Out>(schema: Schema<Out>, value: unknown, options: { dropUnknownKeys?: boolean } = {}): Checked<Out> {
  const ctx: Context = { issues: [], droppedKeys: options.dropUnknownKeys ? [] : null };
  const out = schema.run(value, [], ctx);
  if (out === INVALID || ctx.issues.length > 0) return { ok: false, issues: ctx.issues };
  return { ok: true, value: out, droppedKeys: ctx.droppedKeys ?? [] };
}

/** `a.b.0.c`, or `fallback` for the value itself. */
export function formatPath(path: Path, fallback = ""): string {
  return path.length === 0 ? fallback : path.map(String).join(".");
}

/** "path: message; …" with at most `max` issues shown, and how many more there are. */
export function describeIssues(issues: readonly Issue[], options: { top: string; max?: number }): string {
  const max = options.max ?? Infinity;
  const shown = issues.slice(0, max).map((issue) => `${formatPath(issue.path, options.top)}: ${issue.message}`);
  if (issues.length > max) shown.push(`and ${issues.length - max} more problems`);
  return shown.join("; ");
}
