/**
 * NixOS options backend (nix/options.generated.nix), fed from the option tree only.
 *
 * Contract with nix/module.nix: the file is a function `{ lib }: { <key> = lib.mkOption { ... }; }`
 * with one option per HostSettings key, placed under `services.comin.settings`. Nested objects are
 * submodules with `default = { }`, so their own defaults apply; keys without a default (remotes,
 * a remote's name and url, a window's from and to, the webhook's secretFile) have none here either.
 */
import { nixAttrName, nixString } from "./nix-string.js";
import { nixValue } from "./nix-value.js";
import type { OptionKind, OptionNode, OptionTree } from "./option-tree.js";

const INDENT = "  ";

function parenthesised(expression: string): string {
  return /\s/.test(expression) ? `(${expression})` : expression;
}

function intType(kind: Extract<OptionKind, { type: "int" }>): string {
  if (kind.port) return "lib.types.port";
  const { minimum, maximum } = kind;
  if (minimum !== undefined && maximum !== undefined) return `lib.types.ints.between ${minimum} ${maximum}`;
  if (minimum === 0) return "lib.types.ints.unsigned";
  if (minimum === 1) return "lib.types.ints.positive";
  if (minimum === undefined && maximum === undefined) return "lib.types.int";
  throw new Error(`no Nix type for a whole number bounded by ${String(minimum)}..${String(maximum)}`);
}

/** The option type of `kind`, for a position `depth` levels deep. */
export function nixType(kind: OptionKind, depth: number): string {
  switch (kind.type) {
    case "string":
      return "lib.types.str";
    case "int":
      return intType(kind);
    case "bool":
      return "lib.types.bool";
    case "enum":
      return `lib.types.enum ${nixValue(kind.values)}`;
    case "duration":
      // Seconds, or the same string forms as comin.config.ts; the agent parses both.
      return "lib.types.either lib.types.ints.unsigned lib.types.str";
    case "path":
      return "lib.types.path";
    case "literal":
      return `lib.types.enum ${nixValue([kind.value])}`;
    case "nullable":
      return `lib.types.nullOr ${parenthesised(nixType(kind.inner, depth))}`;
    case "list":
      // nonEmptyListOf, unlike listOf, has no implicit `[ ]`: a required list left unset is an
      // evaluation error instead of a config the agent rejects at start-up.
      if (kind.minItems !== undefined && kind.minItems > 1) throw new Error(`no Nix type for a list of at least ${kind.minItems} items`);
      return `lib.types.${kind.minItems ? "nonEmptyListOf" : "listOf"} ${parenthesised(nixType(kind.of, depth))}`;
    case "object": {
      const pad = INDENT.repeat(depth);
      return `lib.types.submodule {\n${pad}${INDENT}options = ${nixOptionSet(kind.children, depth + 1)};\n${pad}}`;
    }
  }
}

function innerKind(kind: OptionKind): OptionKind {
  return kind.type === "nullable" ? innerKind(kind.inner) : kind;
}

/**
 * Secret files are strings, not `path`s: a path literal (`./token`) given to a `path` option is
 * copied into the world-readable Nix store. An absolute string is never copied.
 */
const SECRET_FILE = /^(tokenFile|sshKeyFile|secretFile|keyFile)$/;

function optionType(node: OptionNode, depth: number): string {
  if (SECRET_FILE.test(node.key)) {
    const secret = 'lib.types.strMatching "/.*"';
    return node.kind.type === "nullable" ? `lib.types.nullOr (${secret})` : secret;
  }
  return nixType(node.kind, depth);
}

function mkOption(node: OptionNode, depth: number): string {
  const pad = INDENT.repeat(depth + 1);
  const fields = [`type = ${optionType(node, depth + 1)};`];
  if (node.default) {
    const inner = innerKind(node.kind);
    if (inner.type === "object" && node.default.text === "{}") {
      fields.push("default = { };");
    } else {
      fields.push(`default = ${nixValue(node.default.value, depth + 1)};`);
      // Durations default to seconds; the manual shows what a user would write.
      if (inner.type === "duration" && typeof node.default.value === "number") {
        fields.push(`defaultText = lib.literalExpression ${nixString(node.default.text)};`);
      }
    }
  }
  fields.push(`description = ${nixString(node.description)};`);
  if (node.example !== undefined) fields.push(`example = ${nixValue(node.example, depth + 1)};`);
  return `lib.mkOption {\n${fields.map((field) => `${pad}${field}`).join("\n")}\n${INDENT.repeat(depth)}}`;
}

/** `{ key = lib.mkOption { ... }; ... }` for a position `depth` levels deep. */
export function nixOptionSet(nodes: readonly OptionNode[], depth: number): string {
  const pad = INDENT.repeat(depth);
  const lines = nodes.map((node) => `${pad}${INDENT}${nixAttrName(node.key)} = ${mkOption(node, depth + 1)};`);
  return `{\n${lines.join("\n")}\n${pad}}`;
}

export function renderNixOptions(tree: OptionTree): string {
  return [
    "# Generated from dsl/schema.ts (its JSDoc and zod schema) by generators/write-generated.ts; do not edit.",
    "# The options of services.comin.settings, one per key of comin.config.ts; nix/module.nix imports it.",
    "{ lib }:",
    nixOptionSet(tree.settings, 0),
    "",
  ].join("\n");
}
