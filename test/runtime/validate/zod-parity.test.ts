/**
 * The daemon's validator (runtime/validate/) against zod, the library it replaces in the daemon:
 * for each pair of equivalent schemas, the same values pass with the same output, and the same
 * values fail with the same paths and messages. Where the two differ on purpose, the test says so.
 */
import test from "ava";
import { z } from "zod";
import * as v from "../../../runtime/validate/index.js";

interface Pair {
  name: string;
  ours: v.Schema<unknown>;
  zod: z.ZodType;
  values: unknown[];
}

const HEX = /^[0-9a-f]{4}$/;
const TIMES = ["2026-06-20T10:00:00.000Z", "2026-06-20T10:00:00Z", "2026-06-20T10:00:00.123456789Z", "2024-02-29T23:59:59Z", "2026-02-29T10:00:00Z", "2026-13-01T10:00:00Z", "2026-06-20T24:00:00Z", "2026-06-20T10:60:00Z", "2026-06-20T10:00:00+01:00", "2026-06-20", "2026-06-20T10:00Z", "", 1, null];
const ANY = [undefined, null, true, 0, -1, 1.5, Number.NaN, 2 ** 60, "", "a", "abcd", [], [1], {}, { a: 1 }];

const PAIRS: Pair[] = [
  { name: "string", ours: v.string(), zod: z.string(), values: ANY },
  { name: "string with a pattern", ours: v.string().regex(HEX, "expected 4 hex"), zod: z.string().regex(HEX, "expected 4 hex"), values: ["abcd", "abcg", "ABCD", 1, null] },
  { name: "string length", ours: v.string().min(1).max(3), zod: z.string().min(1).max(3), values: ["", "a", "abc", "abcd", 3] },
  { name: "count", ours: v.number().int().nonnegative(), zod: z.number().int().nonnegative(), values: ANY },
  { name: "boolean", ours: v.boolean(), zod: z.boolean(), values: ANY },
  { name: "literal number", ours: v.literal(2), zod: z.literal(2), values: [2, "2", 3, null] },
  { name: "literal string", ours: v.literal("reboot"), zod: z.literal("reboot"), values: ["reboot", "deployment", 1] },
  { name: "enum", ours: v.oneOf(["switch", "test", "boot"]), zod: z.enum(["switch", "test", "boot"]), values: ["switch", "boot", "dry-activate", "", 1, null, undefined] },
  { name: "ISO datetime", ours: v.isoDatetime(), zod: z.iso.datetime(), values: TIMES },
  { name: "nullable", ours: v.string().nullable(), zod: z.string().nullable(), values: [null, "a", 1, undefined] },
  { name: "optional", ours: v.string().optional(), zod: z.string().optional(), values: [undefined, "a", null] },
  { name: "array", ours: v.array(v.boolean()), zod: z.array(z.boolean()), values: [[], [true, false], [true, "x", 1], {}, "x"] },
  { name: "array with a minimum", ours: v.array(v.string(), { min: 1 }), zod: z.array(z.string()).min(1), values: [[], ["a"], [1]] },
  { name: "record", ours: v.record(v.string(), v.number()), zod: z.record(z.string(), z.number()), values: [{}, { a: 1, b: 2 }, { a: "x", b: null }, [], null] },
  {
    name: "strict object",
    ours: v.strictObject({ a: v.string(), b: v.number().optional(), c: v.boolean().nullable().default(null), d: v.array(v.string()).default([]) }),
    zod: z.strictObject({ a: z.string(), b: z.number().optional(), c: z.boolean().nullable().default(null), d: z.array(z.string()).default([]) }),
    values: [{ a: "x" }, { a: "x", b: 1, c: true, d: ["y"] }, {}, { a: 1, b: "2", c: "3", d: [4] }, { a: "x", e: 1 }, { a: "x", e: 1, f: 2 }, { a: 1, e: 1 }, [], "x", null],
  },
  {
    name: "nested strict objects",
    ours: v.strictObject({ outer: v.strictObject({ inner: v.array(v.strictObject({ n: v.number().int() })) }) }),
    zod: z.strictObject({ outer: z.strictObject({ inner: z.array(z.strictObject({ n: z.number().int() })) }) }),
    values: [{ outer: { inner: [{ n: 1 }, { n: 2 }] } }, { outer: { inner: [{ n: 1 }, { n: 1.5 }, { m: 1 }] } }, { outer: { inner: {} } }, { outer: null }],
  },
  {
    name: "union of strict objects",
    ours: v.union([v.strictObject({ commit: v.string() }), v.strictObject({ all: v.literal(true) })]),
    zod: z.union([z.strictObject({ commit: z.string() }), z.strictObject({ all: z.literal(true) })]),
    values: [{ commit: "abc" }, { all: true }, {}, { commit: 1 }, { all: false }, { commit: "a", all: true }, null],
  },
];

type Outcome = { ok: true; value: unknown } | { ok: false; issues: { path: string; message: string }[] };

function ours(schema: v.Schema<unknown>, value: unknown): Outcome {
  const checked = v.check(schema, value);
  return checked.ok ? { ok: true, value: checked.value } : { ok: false, issues: checked.issues.map((issue) => ({ path: v.formatPath(issue.path), message: issue.message })) };
}

function zods(schema: z.ZodType, value: unknown): Outcome {
  const parsed = schema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, issues: parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message })) };
}

for (const pair of PAIRS) {
  test(`${pair.name}: the same values pass with the same output, and fail with the same paths and messages`, (t) => {
    for (const value of pair.values) {
      const expected = zods(pair.zod, structuredClone(value));

      const actual = ours(pair.ours, structuredClone(value));

      t.deepEqual(actual, expected, `for ${JSON.stringify(value) ?? "undefined"}`);
    }
  });
}
