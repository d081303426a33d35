/**
 * The one walk over the zod schema: HostSettings, HostOnly and the resolved file's own keys become
 * an option tree (option-tree.ts) that every documentation backend reads. Durations and absolute
 * paths are recognised by identity with the schema's exported `Duration` and `AbsolutePath`, so a
 * new key of either kind needs no change here; a zod type the walk does not know is an error
 * rather than a silently wrong document.
 */
import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import * as schema from "../dsl/schema.js";
import { OPTION_EXAMPLES } from "./option-examples.js";
import type { OptionKind, OptionNode, OptionTree } from "./option-tree.js";
import type { SchemaDocs } from "./schema-docs.js";

export class SchemaWalkError extends Error {
  override readonly name = "SchemaWalkError";
}

/** Exported object schemas, so that their keys are documented under their own name (`MainBranch.name`). */
const OBJECT_NAMES = new Map<z.ZodType, string>(
  Object.entries(schema).flatMap(([name, value]) => (value instanceof z.ZodObject ? [[value as z.ZodType, name] as const] : [])),
);

interface CheckDef {
  check?: string;
  format?: string;
  pattern?: RegExp;
  minimum?: number;
}

function checksOf(type: z.ZodType): CheckDef[] {
  const checks = (type._zod.def as { checks?: { _zod: { def: CheckDef } }[] }).checks ?? [];
  return checks.map((check) => check._zod.def);
}

/** Bounds of ±2^53 are zod's safe-integer limits, not the schema's own. */
function bound(value: number | null | undefined): number | undefined {
  return value === null || value === undefined || !Number.isFinite(value) || Math.abs(value) >= Number.MAX_SAFE_INTEGER ? undefined : value;
}

interface Walk {
  docs: SchemaDocs;
}

function describeKind(type: z.ZodType, docPrefix: string, path: readonly string[], walk: Walk): OptionKind {
  if (type === schema.Duration) return { type: "duration" };
  if (type === schema.AbsolutePath) return { type: "path" };
  if (type instanceof z.ZodDefault || type instanceof z.ZodPrefault) return describeKind(type.unwrap() as z.ZodType, docPrefix, path, walk);
  if (type instanceof z.ZodNullable) return { type: "nullable", inner: describeKind(type.unwrap() as z.ZodType, docPrefix, path, walk) };
  if (type instanceof z.ZodString) {
    const patterns = checksOf(type).filter((check) => check.format === "regex" && check.pattern);
    if (patterns.length > 1) throw new SchemaWalkError(`${path.join(".")}: more than one pattern; the walk keeps one per string`);
    const minLength = bound(type.minLength);
    const readable = schema.readableTypes.get(type)?.readable;
    return {
      type: "string",
      ...(patterns[0]?.pattern ? { pattern: patterns[0].pattern.source } : {}),
      ...(minLength ? { minLength } : {}),
      ...(readable ? { readable } : {}),
    };
  }
  if (type instanceof z.ZodNumber) {
    if (!type.isInt) throw new SchemaWalkError(`${path.join(".")}: only whole numbers are supported`);
    const minimum = bound(type.minValue);
    const maximum = bound(type.maxValue);
    return {
      type: "int",
      ...(minimum !== undefined ? { minimum } : {}),
      ...(maximum !== undefined ? { maximum } : {}),
      ...(type === schema.Port ? { port: true as const } : {}),
    };
  }
  if (type instanceof z.ZodBoolean) return { type: "bool" };
  if (type instanceof z.ZodEnum) return { type: "enum", values: type.options.map(String) };
  if (type instanceof z.ZodLiteral) {
    const [value, ...rest] = [...type.values];
    if (rest.length || !(typeof value === "string" || typeof value === "number" || typeof value === "boolean")) {
      throw new SchemaWalkError(`${path.join(".")}: only single string, number or boolean literals are supported`);
    }
    return { type: "literal", value };
  }
  if (type instanceof z.ZodArray) {
    const minItems = checksOf(type).find((check) => check.check === "min_length")?.minimum;
    return {
      type: "list",
      of: describeKind(type.element as z.ZodType, docPrefix, [...path, "*"], walk),
      ...(minItems ? { minItems } : {}),
    };
  }
  if (type instanceof z.ZodObject) {
    const name = OBJECT_NAMES.get(type);
    return { type: "object", ...(name ? { name } : {}), children: walkShape(type.shape as Record<string, z.ZodType>, name ?? docPrefix, path, walk) };
  }
  throw new SchemaWalkError(`${path.join(".")}: the walk does not know zod type "${type._zod.def.type}"; teach it in generators/walk.ts`);
}

function walkKey(key: string, type: z.ZodType, docPrefix: string, parentPath: readonly string[], walk: Walk): OptionNode {
  const docKey = `${docPrefix}.${key}`;
  const path = [...parentPath, key];
  const doc = walk.docs[docKey];
  if (!doc) throw new SchemaWalkError(`${path.join(".")}: no documentation for ${docKey} (run scripts/extract-docs.mjs)`);
  const hasDefault = type instanceof z.ZodDefault || type instanceof z.ZodPrefault;
  const node: OptionNode = {
    key,
    path,
    kind: describeKind(type, docKey, path, walk),
    required: !hasDefault,
    description: doc.description,
  };
  if (hasDefault) {
    if (doc.default === undefined) throw new SchemaWalkError(`${path.join(".")}: the key has a default, so its JSDoc needs a @default tag (${docKey})`);
    node.default = { value: type.parse(undefined), text: doc.default };
    checkDocumentedDefault(type, node, doc.default);
  }
  const example = doc.example !== undefined ? parseExample(doc.example, path) : OPTION_EXAMPLES[path.join(".")];
  if (example !== undefined) node.example = example;
  return node;
}

/** An `@example` JSDoc tag (JSON) wins over generators/option-examples.ts. */
function parseExample(text: string, path: readonly string[]): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SchemaWalkError(`${path.join(".")}: @example ${text} is not a JSON value`, { cause: error });
  }
}

/** The `@default` text must mean the schema's real default, or every generated document would lie. */
function checkDocumentedDefault(type: z.ZodType, node: OptionNode, text: string): void {
  let written: unknown;
  try {
    written = JSON.parse(text);
  } catch (error) {
    throw new SchemaWalkError(`${node.path.join(".")}: @default ${text} is not a JSON value`, { cause: error });
  }
  const parsed = type.safeParse(written);
  if (!parsed.success || !isDeepStrictEqual(parsed.data, node.default?.value)) {
    throw new SchemaWalkError(
      `${node.path.join(".")}: @default ${text} does not match the schema's default ${JSON.stringify(node.default?.value)}`,
    );
  }
}

function walkShape(shape: Record<string, z.ZodType>, docPrefix: string, parentPath: readonly string[], walk: Walk): OptionNode[] {
  return Object.entries(shape).map(([key, type]) => walkKey(key, type, docPrefix, parentPath, walk));
}

export function walkSchema(docs: SchemaDocs): OptionTree {
  const walk: Walk = { docs };
  const inherited = new Set([...Object.keys(schema.HostSettings.shape), ...Object.keys(schema.HostOnly.shape)]);
  const ownRuntimeShape = Object.fromEntries(
    Object.entries(schema.RuntimeConfig.shape as Record<string, z.ZodType>).filter(([key]) => !inherited.has(key)),
  );
  return {
    settings: walkShape(schema.HostSettings.shape as Record<string, z.ZodType>, "HostSettings", [], walk),
    hostOnly: walkShape(schema.HostOnly.shape as Record<string, z.ZodType>, "HostOnly", [], walk),
    resolvedOnly: walkShape(ownRuntimeShape, "RuntimeConfig", [], walk),
  };
}
