/**
 * The leaves of a schema: strings (with a pattern, a length, or an ISO datetime), numbers, booleans,
 * one literal value, one of a list of values.
 */
import { INVALID, Schema, fail, invalidType, type Message } from "./core.js";

export class StringSchema extends Schema<string> {
  /** A string matching `pattern`; `message` says what was expected. */
  regex(pattern: RegExp, message: Message = `Invalid string: must match pattern ${String(pattern)}`): StringSchema {
    return this.where((value) => pattern.test(value), message);
  }

  min(length: number): StringSchema {
    return this.where((value) => value.length >= length, `Too small: expected string to have >=${length} characters`);
  }

  max(length: number): StringSchema {
    return this.where((value) => value.length <= length, `Too big: expected string to have <=${length} characters`);
  }

  private where(test: (value: string) => boolean, message: Message): StringSchema {
    return new StringSchema((value, path, ctx) => {
      const out = this.run(value, path, ctx);
      if (out === INVALID) return INVALID;
      return test(out) ? out : fail(ctx, path, message, value);
    });
  }
}

export function string(): StringSchema {
  return new StringSchema((value, path, ctx) => (typeof value === "string" ? value : invalidType(ctx, path, "string", value)));
}

/** YYYY-MM-DDTHH:MM:SS[.fraction]Z, a real date and time of day (zod's `z.iso.datetime()`). */
const ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z$/;

function isIsoDatetime(value: string): boolean {
  const match = ISO_DATETIME.exec(value);
  if (!match) return false;
  const [year, month, day, hours, minutes, seconds] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  const sameDay = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return sameDay && hours < 24 && minutes < 60 && seconds < 60;
}

export function isoDatetime(): Schema<string> {
  return string().refine(isIsoDatetime, "Invalid ISO datetime");
}

export class NumberSchema extends Schema<number> {
  /** A safe integer. */
  int(): NumberSchema {
    return new NumberSchema((value, path, ctx) => {
      const out = this.run(value, path, ctx);
      if (out === INVALID) return INVALID;
      if (!Number.isInteger(out)) return fail(ctx, path, "Invalid input: expected int, received number", value);
      return Number.isSafeInteger(out) ? out : fail(ctx, path, `Too big: expected int to be <=${Number.MAX_SAFE_INTEGER}`, value);
    });
  }

  nonnegative(): NumberSchema {
    return new NumberSchema((value, path, ctx) => {
      const out = this.run(value, path, ctx);
      if (out === INVALID) return INVALID;
      return out >= 0 ? out : fail(ctx, path, "Too small: expected number to be >=0", value);
    });
  }
}

/** A finite number. */
export function number(): NumberSchema {
  return new NumberSchema((value, path, ctx) => (typeof value === "number" && Number.isFinite(value) ? value : invalidType(ctx, path, "number", value)));
}

export function boolean(): Schema<boolean> {
  return new Schema((value, path, ctx) => (typeof value === "boolean" ? value : invalidType(ctx, path, "boolean", value)));
}

type Primitive = string | number | boolean | null;

/** Exactly `value`; a discriminated union reads its options' tags from here. */
export class LiteralSchema<T extends Primitive> extends Schema<T> {
  constructor(
    readonly value: T,
    message: Message,
  ) {
    super((input, path, ctx) => (input === value ? value : fail(ctx, path, message, input)));
  }
}

export function literal<const T extends Primitive>(value: T, message: Message = `Invalid input: expected ${JSON.stringify(value)}`): LiteralSchema<T> {
  return new LiteralSchema(value, message);
}

/** One of `values` (zod's `z.enum`). */
export function oneOf<const T extends readonly [Primitive, ...Primitive[]]>(values: T): Schema<T[number]> {
  const message = `Invalid option: expected one of ${values.map((value) => JSON.stringify(value)).join("|")}`;
  return new Schema((value, path, ctx) => (values.includes(value as Primitive) ? (value as T[number]) : fail(ctx, path, message, value)));
}
