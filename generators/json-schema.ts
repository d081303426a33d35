/**
 * JSON Schema (draft 2020-12) backend, fed from the option tree only.
 *
 * One file, docs/comin.schema.json. Its root describes what a user writes (the default export of
 * comin.config.ts: fleet keys plus `hosts`, durations as seconds or strings). `$defs` holds:
 *  - `HostOverride`: an entry of `hosts` (any fleet key, objects deep-partial, plus host-only keys);
 *  - `ResolvedHostConfig`: a `<host>.json` written by `comin generate` (every key present,
 *    durations in seconds, `schemaVersion` and `hostname`);
 *  - `Duration`: the authoring form of a duration.
 */
import { allNodes, type OptionKind, type OptionNode, type OptionTree } from "./option-tree.js";

export type JsonSchema = { [keyword: string]: unknown };

const DIALECT = "https://json-schema.org/draft/2020-12/schema";
const DURATION_REF = { $ref: "#/$defs/Duration" };

/**
 * Which side of the configuration a schema describes. A host's settings are its override merged
 * over the fleet keys, so outside lists neither side alone must be complete: objects there are
 * deep-partial. A list replaces the fleet's list wholesale, so its elements are complete objects.
 */
type Side = "partial" | "complete" | "resolved";

function kindSchema(kind: OptionKind, side: Side): JsonSchema {
  switch (kind.type) {
    case "string":
      return { type: "string", ...(kind.pattern ? { pattern: kind.pattern } : {}), ...(kind.minLength ? { minLength: kind.minLength } : {}) };
    case "int":
      return {
        type: "integer",
        ...(kind.minimum !== undefined ? { minimum: kind.minimum } : {}),
        ...(kind.maximum !== undefined ? { maximum: kind.maximum } : {}),
      };
    case "bool":
      return { type: "boolean" };
    case "enum":
      return { type: "string", enum: [...kind.values] };
    case "duration":
      return side === "resolved" ? { type: "integer", minimum: 0 } : { ...DURATION_REF };
    case "path":
      return { type: "string", pattern: "^/" };
    case "literal":
      return { const: kind.value };
    case "nullable":
      return { anyOf: [kindSchema(kind.inner, side), { type: "null" }] };
    case "list":
      return {
        type: "array",
        items: kindSchema(kind.of, side === "resolved" ? "resolved" : "complete"),
        ...(kind.minItems ? { minItems: kind.minItems } : {}),
      };
    case "object":
      return objectSchema(kind.children, side);
  }
}

function propertySchema(node: OptionNode, side: Side): JsonSchema {
  const schema: JsonSchema = { description: node.description, ...kindSchema(node.kind, side) };
  if (side !== "resolved" && node.default) schema.default = JSON.parse(node.default.text) as unknown;
  if (side !== "resolved" && node.example !== undefined) schema.examples = [node.example];
  return schema;
}

function objectSchema(nodes: readonly OptionNode[], side: Side, extra: Record<string, JsonSchema> = {}): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const node of nodes) properties[node.key] = propertySchema(node, side);
  Object.assign(properties, extra);
  const required =
    side === "resolved" ? Object.keys(properties) : side === "complete" ? nodes.filter((node) => node.required).map((node) => node.key) : [];
  return { type: "object", properties, ...(required.length ? { required } : {}), additionalProperties: false };
}

function hostNamePattern(tree: OptionTree): string {
  const hostname = tree.resolvedOnly.find((node) => node.key === "hostname");
  if (hostname?.kind.type !== "string" || !hostname.kind.pattern) throw new Error("the option tree has no hostname pattern");
  return hostname.kind.pattern;
}

export function buildJsonSchema(tree: OptionTree): JsonSchema {
  const hosts: JsonSchema = {
    description: "One entry per machine, named by its host name; each may override any fleet key (objects merge, lists and scalars replace), plus host-only keys.",
    type: "object",
    minProperties: 1,
    propertyNames: { pattern: hostNamePattern(tree) },
    additionalProperties: { $ref: "#/$defs/HostOverride" },
  };
  const root = objectSchema(tree.settings, "partial", { hosts });
  const resolved = objectSchema([...tree.resolvedOnly, ...tree.hostOnly, ...tree.settings], "resolved");
  return {
    $schema: DIALECT,
    title: "comin configuration",
    description:
      "The default export of comin.config.ts (what defineConfig takes). Generated from dsl/schema.ts; do not edit.",
    ...root,
    required: ["hosts"],
    $defs: {
      Duration: {
        description: 'A duration: a whole number of seconds, or a string of hours, minutes and seconds in that order ("90s", "5m", "2h", "1h30m").',
        anyOf: [
          { type: "integer", minimum: 0 },
          { type: "string", pattern: "^(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?$", minLength: 1 },
        ],
      },
      HostOverride: {
        description: "An entry of `hosts`: overrides of fleet keys, and host-only keys.",
        ...objectSchema([...tree.settings, ...tree.hostOnly], "partial"),
      },
      ResolvedHostConfig: {
        description: "A resolved <host>.json, as `comin generate` writes it and `comin run --config` reads it.",
        ...resolved,
      },
    },
  };
}

export function renderJsonSchema(tree: OptionTree): string {
  return `${JSON.stringify(buildJsonSchema(tree), null, 2)}\n`;
}

/** Dotted paths of every key the schema documents (used by tests to check coverage). */
export function documentedPaths(tree: OptionTree): string[] {
  return [...allNodes([...tree.settings, ...tree.hostOnly, ...tree.resolvedOnly])].map((node) => node.path.join("."));
}
