/**
 * A tiny JSON Schema (2020-12) checker for exactly the keywords generators/json-schema.ts emits.
 * An unknown keyword is an error, so that the generator cannot start emitting something this
 * checker silently ignores (a full validator would be a heavy dependency for one test).
 */
type Schema = { [keyword: string]: unknown };

const ANNOTATIONS = new Set(["$schema", "$id", "$defs", "title", "description", "default", "examples"]);
const ASSERTIONS = new Set([
  "$ref", "type", "properties", "required", "additionalProperties", "items", "enum", "const", "pattern",
  "minLength", "minimum", "maximum", "minItems", "minProperties", "propertyNames", "anyOf",
]);

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** Problems of `value` against `schema`, as `path: what` lines; empty when valid. */
export function checkJsonSchema(root: Schema, value: unknown, schema: Schema = root, at = "$"): string[] {
  const problems: string[] = [];
  for (const keyword of Object.keys(schema)) {
    if (!ANNOTATIONS.has(keyword) && !ASSERTIONS.has(keyword)) throw new Error(`${at}: the checker does not know keyword "${keyword}"`);
  }
  if (typeof schema.$ref === "string") {
    const name = /^#\/\$defs\/(.+)$/.exec(schema.$ref)?.[1];
    const target = name ? (root.$defs as Record<string, Schema> | undefined)?.[name] : undefined;
    if (!target) throw new Error(`${at}: unresolvable $ref ${schema.$ref}`);
    problems.push(...checkJsonSchema(root, value, target, at));
  }
  const type = typeOf(value);
  if (typeof schema.type === "string" && schema.type !== type && !(schema.type === "number" && type === "integer")) {
    return [...problems, `${at}: expected ${schema.type}, got ${type}`];
  }
  if ("const" in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) problems.push(`${at}: expected ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === "string") {
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value)) problems.push(`${at}: "${value}" does not match ${schema.pattern}`);
    if (typeof schema.minLength === "number" && [...value].length < schema.minLength) problems.push(`${at}: shorter than ${schema.minLength}`);
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) problems.push(`${at}: ${value} < ${schema.minimum}`);
    if (typeof schema.maximum === "number" && value > schema.maximum) problems.push(`${at}: ${value} > ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) problems.push(`${at}: fewer than ${schema.minItems} items`);
    if (schema.items) value.forEach((item, index) => problems.push(...checkJsonSchema(root, item, schema.items as Schema, `${at}[${index}]`)));
  }
  if (type === "object") {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[]) if (!(key in object)) problems.push(`${at}: missing required "${key}"`);
    if (typeof schema.minProperties === "number" && Object.keys(object).length < schema.minProperties) problems.push(`${at}: fewer than ${schema.minProperties} properties`);
    for (const [key, item] of Object.entries(object)) {
      if (schema.propertyNames) problems.push(...checkJsonSchema(root, key, schema.propertyNames as Schema, `${at} key "${key}"`));
      if (properties[key]) problems.push(...checkJsonSchema(root, item, properties[key], `${at}.${key}`));
      else if (schema.additionalProperties === false) problems.push(`${at}: unexpected key "${key}"`);
      else if (typeof schema.additionalProperties === "object") problems.push(...checkJsonSchema(root, item, schema.additionalProperties as Schema, `${at}.${key}`));
    }
  }
  if (Array.isArray(schema.anyOf)) {
    const branches = (schema.anyOf as Schema[]).map((branch) => checkJsonSchema(root, value, branch, at));
    if (!branches.some((branch) => branch.length === 0)) problems.push(`${at}: matches none of anyOf (${branches.map((b) => b[0]).join("; ")})`);
  }
  return problems;
}
