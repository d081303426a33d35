/**
 * What the daemon's validator does beyond zod's parity (zod-parity.test.ts): unknown keys dropped
 * and named when asked, hostile keys, fresh defaults, discriminated unions, how issues are told.
 */
import test from "ava";
import * as v from "../../../runtime/validate/index.js";

const Entry = v.strictObject({ name: v.string(), tags: v.array(v.string()).default([]) });
const File = v.strictObject({ version: v.literal(1), entries: v.array(Entry), byName: v.record(v.string().min(1), Entry).default({}) });

test("with dropUnknownKeys, unknown keys at any depth are left out of the output and named with their path", (t) => {
  const value = { version: 1, entries: [{ name: "a", extra: { deep: [1, { x: 2 }] } }], byName: { b: { name: "b", more: 1, other: 2 } }, newer: true };

  const checked = v.check(File, value, { dropUnknownKeys: true });

  t.deepEqual(checked, {
    ok: true,
    value: { version: 1, entries: [{ name: "a", tags: [] }], byName: { b: { name: "b", tags: [] } } },
    droppedKeys: [["entries", 0, "extra"], ["byName", "b", "more"], ["byName", "b", "other"], ["newer"]],
  });
});

test("with dropUnknownKeys, any other problem still fails the whole value, without the unknown keys among the issues", (t) => {
  const checked = v.check(File, { version: 1, entries: [{ name: 1, extra: 1 }], newer: true }, { dropUnknownKeys: true });

  t.deepEqual(checked, { ok: false, issues: [{ path: ["entries", 0, "name"], message: "Invalid input: expected string, received number" }] });
});

test("without it, unknown keys are issues on their object", (t) => {
  const checked = v.check(File, { version: 1, entries: [], a: 1, b: 2 });

  t.deepEqual(checked, { ok: false, issues: [{ path: [], message: 'Unrecognized keys: "a", "b"' }] });
});

test("an own __proto__ key is an unknown key of a strict object, and an ordinary key of a record: no prototype changes", (t) => {
  const hostile = JSON.parse('{"version":1,"entries":[],"__proto__":{"polluted":true},"byName":{"__proto__":{"name":"p"}}}') as unknown;

  const checked = v.check(File, hostile, { dropUnknownKeys: true });

  t.true(checked.ok);
  if (!checked.ok) return;
  t.deepEqual(checked.droppedKeys, [["__proto__"]]);
  t.is(Object.getPrototypeOf(checked.value), Object.prototype);
  t.is(Object.getPrototypeOf(checked.value.byName), Object.prototype);
  t.deepEqual(Object.getOwnPropertyDescriptor(checked.value.byName, "__proto__")?.value, { name: "p", tags: [] });
  t.is((checked.value as unknown as { polluted?: boolean }).polluted, undefined);
  t.is(({} as { polluted?: boolean }).polluted, undefined);
});

test("a default is a fresh copy for every output: changing one never changes the next", (t) => {
  const first = v.check(File, { version: 1, entries: [{ name: "a" }] });
  if (first.ok) first.value.entries[0]?.tags.push("changed");

  const second = v.check(File, { version: 1, entries: [{ name: "a" }] });

  t.deepEqual(second.ok && second.value.entries[0]?.tags, []);
});

test("a record key that fails its schema is named in a message on the record", (t) => {
  const checked = v.check(File, { version: 1, entries: [], byName: { "": { name: "x" } } });

  t.deepEqual(checked, { ok: false, issues: [{ path: ["byName"], message: 'Invalid key "": Too small: expected string to have >=1 characters' }] });
});

const Event = v.discriminatedUnion("kind", [v.strictObject({ kind: v.literal("deploy"), id: v.string() }), v.strictObject({ kind: v.literal("reboot"), at: v.isoDatetime() })]);

test("a discriminated union reports the problems of the option its tag names", (t) => {
  t.deepEqual(v.check(Event, { kind: "reboot", at: "2026-06-20T10:00:00Z" }), { ok: true, value: { kind: "reboot", at: "2026-06-20T10:00:00Z" }, droppedKeys: [] });
  t.deepEqual(v.check(Event, { kind: "reboot", at: "soon" }), { ok: false, issues: [{ path: ["at"], message: "Invalid ISO datetime" }] });
  t.deepEqual(v.check(Event, { kind: "halt" }), { ok: false, issues: [{ path: ["kind"], message: 'Invalid option: expected one of "deploy"|"reboot"' }] });
  t.deepEqual(v.check(Event, "deploy"), { ok: false, issues: [{ path: [], message: "Invalid input: expected object, received string" }] });
});

test("a union keeps the unknown keys dropped by the option that matched", (t) => {
  const Either = v.union([v.strictObject({ a: v.string() }), v.strictObject({ b: v.string() })]);

  const checked = v.check(Either, { b: "x", c: 1 }, { dropUnknownKeys: true });

  t.deepEqual(checked, { ok: true, value: { b: "x" }, droppedKeys: [["c"]] });
});

test("a union that matches nothing says what it expects, in the caller's words", (t) => {
  const Either = v.union([v.strictObject({ a: v.string() }), v.strictObject({ b: v.string() })], 'expected {"a": …} or {"b": …}');

  t.deepEqual(v.check(Either, { a: 1 }), { ok: false, issues: [{ path: [], message: 'expected {"a": …} or {"b": …}' }] });
});

test("issues are told as path: message, with a name for the top and at most the maximum shown", (t) => {
  const issues = Array.from({ length: 12 }, (_, index) => ({ path: ["entries", index, "name"], message: "bad" }));

  t.is(v.describeIssues([{ path: [], message: "bad" }, ...issues.slice(0, 1)], { top: "body" }), "body: bad; entries.0.name: bad");
  t.is(v.describeIssues(issues, { top: "(top)", max: 10 }).split("; ").length, 11);
  t.regex(v.describeIssues(issues, { top: "(top)", max: 10 }), /entries\.9\.name: bad; and 2 more problems$/);
});
