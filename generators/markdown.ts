/** Markdown options reference (docs/options.md), fed from the option tree only. */
import { allNodes, type OptionKind, type OptionNode, type OptionTree } from "./option-tree.js";

export function describeKind(kind: OptionKind): string {
  switch (kind.type) {
    case "string":
      // A regular expression is no documentation: every constrained string says what it is in words.
      return kind.readable ?? (kind.minLength ? "non-empty string" : "string");
    case "int":
      if (kind.port) return "TCP port (1-65535)";
      if (kind.minimum !== undefined && kind.maximum !== undefined) return `whole number from ${kind.minimum} to ${kind.maximum}`;
      return kind.minimum !== undefined ? `whole number, at least ${kind.minimum}` : "whole number";
    case "bool":
      return "boolean";
    case "enum":
      return `one of ${kind.values.map((value) => `\`"${value}"\``).join(", ")}`;
    case "duration":
      return 'duration (seconds, or a string such as `"90s"`, `"5m"`, `"1h30m"`)';
    case "path":
      return "absolute path";
    case "literal":
      return `\`${JSON.stringify(kind.value)}\``;
    case "nullable":
      return `${describeKind(kind.inner)}, or \`null\``;
    case "list":
      return `${eachElement(kind.of)}${kind.minItems ? ` (at least ${kind.minItems})` : ""}`;
    case "object":
      return "object";
  }
}

function eachElement(of: OptionKind): string {
  if (of.type === "enum") return `list, each ${describeKind(of)}`;
  if (of.type === "string" && of.readable) return `list, each a ${of.readable}`;
  return `list of ${plural(describeKind(of))}`;
}

function plural(text: string): string {
  if (text === "object") return "objects";
  if (text === "string" || text === "absolute path" || text === "non-empty string") return `${text}s`;
  return text;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** TypeScript object-literal style, as a user writes it in comin.config.ts: unquoted keys, short lists inline. */
export function tsLiteral(value: unknown, depth = 0): string {
  const pad = "  ".repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const inline = `[${value.map((item) => tsLiteral(item, depth + 1)).join(", ")}]`;
    if (!inline.includes("\n") && inline.length <= 60) return inline;
    return `[\n${value.map((item) => `${pad}  ${tsLiteral(item, depth + 1)},`).join("\n")}\n${pad}]`;
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    const lines = entries.map(([key, item]) => `${pad}  ${IDENTIFIER.test(key) ? key : JSON.stringify(key)}: ${tsLiteral(item, depth + 1)},`);
    return `{\n${lines.join("\n")}\n${pad}}`;
  }
  return JSON.stringify(value);
}

function displayPath(node: OptionNode, prefix: string): string {
  return `${prefix}${node.path.join(".")}`;
}

function section(node: OptionNode, prefix: string, topLevelRequired: string): string {
  const rows = [
    `| Type | ${describeKind(node.kind).replaceAll("|", "\\|")} |`,
    `| Default | ${node.default ? `\`${node.default.text}\`` : node.path.length === 1 ? topLevelRequired : "required"} |`,
  ];
  const parts = [`### \`${displayPath(node, prefix)}\``, "", node.description, "", "| | |", "|---|---|", ...rows];
  if (node.example !== undefined) {
    parts.push("", "Example:", "", "```ts", `${node.key}: ${tsLiteral(node.example)},`, "```");
  }
  return parts.join("\n");
}

const INTRO = `# Configuration options

<!-- Generated from dsl/schema.ts (its JSDoc and zod schema) by generators/write-generated.ts; do not edit. -->

These are the keys of \`comin.config.ts\` (\`export default defineConfig({ ... })\`). Every fleet key
may also be set under \`hosts.<name>\` for one machine: objects merge key by key, lists and scalars
replace. The same keys, with the same defaults and descriptions, are the NixOS options under
\`services.comin.settings\`. \`*\` stands for any element of a list.

Durations are a whole number of seconds, or a string of hours, minutes and seconds in that order:
\`"90s"\`, \`"5m"\`, \`"2h"\`, \`"1h30m"\`. \`{hostname}\` in a branch name or in \`repository.systemAttr\`
is replaced by the host's name.`;

function summary(nodes: readonly OptionNode[]): string {
  const rows = nodes.map((node) => `| \`${node.key}\` | ${node.default ? `\`${node.default.text}\`` : "required"} | ${firstSentence(node.description)} |`);
  return ["| key | default | |", "|---|---|---|", ...rows].join("\n");
}

function firstSentence(text: string): string {
  const match = /^.*?[.:;](?=\s|$)/.exec(text);
  return (match ? match[0] : text).replaceAll("|", "\\|").replace(/[.:;]$/, "");
}

export function renderMarkdown(tree: OptionTree): string {
  const parts = [INTRO, "", "## Summary", "", summary(tree.settings), ""];
  parts.push("## Fleet keys", "", "Set at the top level for every host, or under `hosts.<name>` for one.", "");
  for (const node of allNodes(tree.settings)) parts.push(section(node, "", "required (at the top level, or for every host)"), "");
  parts.push("## Host-only keys", "", "Only valid under `hosts.<name>`.", "");
  for (const node of allNodes(tree.hostOnly)) parts.push(section(node, "hosts.<name>.", "required"), "");
  parts.push("## Resolved file only", "", "Written by `comin generate` into each `<host>.json`; not part of `comin.config.ts`.", "");
  for (const node of allNodes(tree.resolvedOnly)) parts.push(section(node, "", "required"), "");
  return `${parts.join("\n").trimEnd()}\n`;
}
