/**
 * TypeScript backend (dsl/input-types.generated.ts), fed from the option tree only: one
 * documented interface per object of what a user writes in comin.config.ts.
 *
 * Why: the types zod infers carry no comments into the emitted `.d.ts`, so an editor using the
 * installed package would show no documentation on hover. These interfaces carry the schema's
 * JSDoc; test/dsl/input-types.test.ts checks that they equal `z.input` of the schema.
 */
import type { OptionKind, OptionNode, OptionTree } from "./option-tree.js";

const HEADER = `// Generated from dsl/schema.ts (its JSDoc and zod schema) by generators/write-generated.ts; do not edit.
/**
 * The documented input types of comin.config.ts: what \`defineConfig\` takes, key by key, with the
 * same descriptions and defaults as docs/options.md. They equal \`z.input\` of the schema.
 */
`;

const DURATION = `/**
 * A duration: a whole number of seconds, or a string of hours, minutes and seconds in that order
 * (\`"90s"\`, \`"5m"\`, \`"2h"\`, \`"1h30m"\`).
 */
export type DurationInput = number | string;
`;

/** Words of `text` in lines of at most `width` characters (a longer word keeps its own line). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(" ")) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  return [...lines, current];
}

/** A JSDoc block: paragraphs separated by a blank line, tags (`@default`) right after them. */
function jsDoc(paragraphs: readonly string[], indent: string): string {
  const width = 100 - indent.length - 3;
  const body = paragraphs.flatMap((paragraph, index) => [...(index > 0 && !paragraph.startsWith("@") ? [""] : []), ...wrap(paragraph, width)]);
  const safe = body.map((line) => line.replaceAll("*/", "*\\/"));
  return `${indent}/**\n${safe.map((line) => `${indent} *${line ? ` ${line}` : ""}`).join("\n")}\n${indent} */\n`;
}

function capitalise(key: string): string {
  return key.charAt(0).toUpperCase() + key.slice(1);
}

interface Interface {
  name: string;
  doc: string;
  nodes: readonly OptionNode[];
}

class Renderer {
  readonly interfaces: Interface[] = [];
  private readonly seen = new Set<string>();

  /** The TypeScript type of `kind`; an object becomes (once) an interface named after `fallback`. */
  typeOf(kind: OptionKind, fallback: string): string {
    switch (kind.type) {
      case "string":
      case "path":
        return "string";
      case "int":
        return "number";
      case "bool":
        return "boolean";
      case "enum":
        return kind.values.map((value) => JSON.stringify(value)).join(" | ");
      case "duration":
        return "DurationInput";
      case "literal":
        return JSON.stringify(kind.value);
      case "nullable":
        return `${this.typeOf(kind.inner, fallback)} | null`;
      case "list": {
        const element = this.typeOf(kind.of, fallback);
        return /[ |]/.test(element) ? `(${element})[]` : `${element}[]`;
      }
      case "object":
        return this.add(`${kind.name ?? fallback}Input`, `The keys of \`${kind.name ?? fallback}\`.`, kind.children);
    }
  }

  add(name: string, doc: string, nodes: readonly OptionNode[]): string {
    if (!this.seen.has(name)) {
      this.seen.add(name);
      const entry: Interface = { name, doc, nodes };
      this.interfaces.push(entry);
      // Children are named now, so that the interface order follows the schema depth first.
      for (const node of nodes) this.typeOf(node.kind, `${name.replace(/Input$/, "")}${capitalise(node.key)}`);
    }
    return name;
  }

  property(node: OptionNode, owner: string): string {
    const lines = [...node.description.split("\n\n"), ...(node.default ? [`@default ${node.default.text}`] : [])];
    const type = this.typeOf(node.kind, `${owner.replace(/Input$/, "")}${capitalise(node.key)}`);
    return `${jsDoc(lines, "  ")}  ${node.key}${node.required ? "" : "?"}: ${type};\n`;
  }

  render(entry: Interface): string {
    return `${jsDoc([entry.doc], "")}export interface ${entry.name} {\n${entry.nodes.map((node) => this.property(node, entry.name)).join("")}}\n`;
  }
}

export function renderInputTypes(tree: OptionTree): string {
  const renderer = new Renderer();
  renderer.add("HostSettingsInput", "The fleet-wide keys of comin.config.ts; each may be overridden under `hosts.<name>`.", tree.settings);
  renderer.add("HostOnlyInput", "Keys that only exist under `hosts.<name>`.", tree.hostOnly);
  const blocks = renderer.interfaces.map((entry) => renderer.render(entry));
  return [HEADER, DURATION, ...blocks].join("\n");
}
