/**
 * The intermediate form every documentation backend reads (JSON Schema, Markdown, Nix options):
 * one node per configuration key, produced by ONE walk over the zod schema (walk.ts).
 */

export type OptionKind =
  /** `readable`: what the string must be, in words (docs/options.md shows it instead of `pattern`). */
  | { type: "string"; pattern?: string; minLength?: number; readable?: string }
  | { type: "int"; minimum?: number; maximum?: number; port?: true }
  | { type: "bool" }
  | { type: "enum"; values: readonly string[] }
  | { type: "duration" }
  | { type: "path" }
  | { type: "list"; of: OptionKind; minItems?: number }
  /** `name`: the schema's exported name of the object (`Remote`), absent for an object written inline. */
  | { type: "object"; name?: string; children: readonly OptionNode[] }
  | { type: "nullable"; inner: OptionKind }
  | { type: "literal"; value: string | number | boolean };

export interface OptionDefault {
  /** What the resolved configuration holds (durations in seconds, nested objects filled in). */
  value: unknown;
  /** What a user writes, from the key's `@default` JSDoc tag (`"5m"`, `{}`). */
  text: string;
}

export interface OptionNode {
  key: string;
  /** Key path from the top of a host's settings; list elements are `*` (`remotes.*.poll.interval`). */
  path: readonly string[];
  kind: OptionKind;
  /** No default: the key must be written (at the fleet level or for every host). */
  required: boolean;
  default?: OptionDefault;
  /** Markdown, from the key's JSDoc. */
  description: string;
  /** A value worth showing (JSON); absent where the type and default say enough. */
  example?: unknown;
}

export interface OptionTree {
  /** HostSettings: fleet-wide keys, each of which a host may override. */
  settings: readonly OptionNode[];
  /** HostOnly: keys that only exist under `hosts.<name>`. */
  hostOnly: readonly OptionNode[];
  /** Keys only the resolved file has (`schemaVersion`, `hostname`). */
  resolvedOnly: readonly OptionNode[];
}

export function dottedPath(node: OptionNode): string {
  return node.path.join(".");
}

/** Every node, depth first, parents before children. */
export function* allNodes(nodes: readonly OptionNode[]): Generator<OptionNode> {
  for (const node of nodes) {
    yield node;
    yield* allNodes(childrenOf(node.kind));
  }
}

/** The object children under a kind (through lists and nullables), or none. */
export function childrenOf(kind: OptionKind): readonly OptionNode[] {
  if (kind.type === "object") return kind.children;
  if (kind.type === "list") return childrenOf(kind.of);
  if (kind.type === "nullable") return childrenOf(kind.inner);
  return [];
}
