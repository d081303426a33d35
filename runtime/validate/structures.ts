/**
 * Schemas made of schemas: strict objects (every unknown key named), arrays, records, unions. Each
 * checks every part and records every problem, not only the first.
 */
import { LiteralSchema } from "./primitives.js";
import { INVALID, Optional, Schema, fail, invalidType, type Context, type Invalid, type Message, type Output, type Path } from "./core.js";

export type Shape = Record<string, Schema<unknown>>;

type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends Optional<unknown> ? K : never }[keyof S];

/** `{ key: T }` for each key, `{ key?: T | undefined }` for the optional ones, as one flat type. */
export type ObjectOutput<S extends Shape> = Flatten<{ [K in Exclude<keyof S, OptionalKeys<S>>]: Output<S[K]> } & { [K in OptionalKeys<S>]?: Output<S[K]> }>;
type Flatten<T> = { [K in keyof T]: T[K] };

/** A plain object (not an array, not null). */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Sets a key of a fresh object, `__proto__` included, as an own property. */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function unknownKeys(ctx: Context, path: Path, keys: string[], value: unknown): boolean {
  if (keys.length === 0) return true;
  if (ctx.droppedKeys) {
    ctx.droppedKeys.push(...keys.map((key) => [...path, key]));
    return true;
  }
  fail(ctx, path, `Unrecognized key${keys.length > 1 ? "s" : ""}: ${keys.map((key) => JSON.stringify(key)).join(", ")}`, value);
  return false;
}

export class ObjectSchema<S extends Shape> extends Schema<ObjectOutput<S>> {
  constructor(readonly shape: S) {
    super((value, path, ctx) => {
      if (!isRecord(value)) return invalidType(ctx, path, "object", value);
      const out: Record<string, unknown> = {};
      let valid = true;
      for (const [key, schema] of Object.entries(shape)) {
        const field = schema.run(Object.hasOwn(value, key) ? value[key] : undefined, [...path, key], ctx);
        if (field === INVALID) valid = false;
        else if (field !== undefined) put(out, key, field);
      }
      const unknown = Object.keys(value).filter((key) => !Object.hasOwn(shape, key));
      valid = unknownKeys(ctx, path, unknown, value) && valid;
      return valid ? (out as ObjectOutput<S>) : INVALID;
    });
  }

  /** The same object with more keys (or other schemas for some). */
  extend<E extends Shape>(extra: E): ObjectSchema<Omit<S, keyof E> & E> {
    return new ObjectSchema({ ...this.shape, ...extra } as Omit<S, keyof E> & E);
  }
}

/** An object with exactly these keys: any other key is an issue (or dropped, see `check`). */
export function strictObject<S extends Shape>(shape: S): ObjectSchema<S> {
  return new ObjectSchema(shape);
}

export function array<T>(item: Schema<T>, options: { min?: number } = {}): Schema<T[]> {
  return new Schema((value, path, ctx) => {
    if (!Array.isArray(value)) return invalidType(ctx, path, "array", value);
    const out: T[] = [];
    let valid = true;
    value.forEach((element: unknown, index) => {
      const result = item.run(element, [...path, index], ctx);
      if (result === INVALID) valid = false;
      else out.push(result);
    });
    if (options.min !== undefined && value.length < options.min) valid = fail(ctx, path, `Too small: expected array to have >=${options.min} items`, value) !== INVALID;
    return valid ? out : INVALID;
  });
}

/** An object used as a map: every key checked by `key`, every value by `item`. */
export function record<T>(key: Schema<string>, item: Schema<T>): Schema<Record<string, T>> {
  return new Schema((value, path, ctx) => {
    if (!isRecord(value)) return invalidType(ctx, path, "record", value);
    const out: Record<string, T> = {};
    let valid = true;
    for (const [name, element] of Object.entries(value)) {
      const keyCheck: Context = { issues: [], droppedKeys: null };
      const checkedKey = key.run(name, path, keyCheck);
      for (const issue of keyCheck.issues) fail(ctx, path, `Invalid key ${JSON.stringify(name)}: ${issue.message}`, name);
      const result = item.run(element, [...path, name], ctx);
      if (checkedKey === INVALID || result === INVALID) valid = false;
      else put(out, checkedKey, result);
    }
    return valid ? out : INVALID;
  });
}

/**
 * The first of `options` the value matches. When none does, one issue says so: `message`, or zod's
 * "Invalid input" (the problems with each option would name keys the caller never meant to send).
 */
export function union<const T extends readonly Schema<unknown>[]>(options: T, message: Message = "Invalid input"): Schema<Output<T[number]>> {
  return new Schema((value, path, ctx) => {
    for (const option of options) {
      const trial: Context = { issues: [], droppedKeys: ctx.droppedKeys ? [] : null };
      const out = option.run(value, path, trial);
      if (out !== INVALID && trial.issues.length === 0) {
        ctx.droppedKeys?.push(...(trial.droppedKeys ?? []));
        return out as Output<T[number]>;
      }
    }
    return fail(ctx, path, message, value);
  });
}

/**
 * One of `options` (strict objects), chosen by the literal value of their key `tag`; the problems of
 * that option are reported, or that the tag is none of theirs.
 */
export function discriminatedUnion<const T extends readonly ObjectSchema<Shape>[]>(tag: string, options: T): Schema<Output<T[number]>> {
  const tags = options.map((option) => {
    const schema = option.shape[tag];
    if (!(schema instanceof LiteralSchema)) throw new TypeError(`every option of a discriminated union needs a literal ${tag}`);
    return schema.value as unknown;
  });
  const expected = `Invalid option: expected one of ${tags.map((name) => JSON.stringify(name)).join("|")}`;
  return new Schema((value, path, ctx): Output<T[number]> | Invalid => {
    if (!isRecord(value)) return invalidType(ctx, path, "object", value);
    const option = options[tags.indexOf(value[tag])];
    if (!option) return fail(ctx, [...path, tag], expected, value[tag]);
    return option.run(value, path, ctx) as Output<T[number]> | Invalid;
  });
}
