/**
 * The daemon's validator (see core.ts), as one namespace: `import * as v from "../validate/index.js"`
 * then `v.strictObject({ name: v.string() })`, `v.check(schema, value)`, `v.Output<typeof schema>`.
 */
export { check, describeIssues, formatPath, INVALID, Optional, Schema, type Checked, type Issue, type Message, type Output, type Path } from "./core.js";
export { boolean, isoDatetime, literal, LiteralSchema, number, NumberSchema, oneOf, string, StringSchema } from "./primitives.js";
export { array, discriminatedUnion, ObjectSchema, record, strictObject, union, type ObjectOutput, type Shape } from "./structures.js";
