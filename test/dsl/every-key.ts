/**
 * A comin.config.ts that writes every documented key once (at the fleet level, and again under
 * a host), with the offset of each key, so that the editor can be asked about each of them.
 */
import { childrenOf, type OptionKind, type OptionNode, type OptionTree } from "../../generators/option-tree.js";

export interface EveryKey {
  text: string;
  /** Offset of each key's name in `text`, by dotted path (`remotes.*.poll.interval`, `hosts.web1.reboot`). */
  keys: Map<string, number>;
}

/** A value of the right type for a key that holds no object. */
function scalar(kind: OptionKind, node: OptionNode): string {
  if (node.example !== undefined && kind.type !== "object") return JSON.stringify(node.example);
  if (node.default) return JSON.stringify(node.default.value);
  switch (kind.type) {
    case "enum":
      return JSON.stringify(kind.values[0]);
    case "int":
      return String(kind.minimum ?? 1);
    case "bool":
      return "false";
    case "path":
      return '"/x"';
    case "duration":
      return '"1m"';
    case "list":
      return "[]";
    default:
      return '"x"';
  }
}

function objectKind(kind: OptionKind): "object" | "list" | undefined {
  if (kind.type === "nullable") return objectKind(kind.inner);
  if (kind.type === "object") return "object";
  if (kind.type === "list" && childrenOf(kind).length > 0) return "list";
  return undefined;
}

class Writer {
  text = "";
  readonly keys = new Map<string, number>();

  object(nodes: readonly OptionNode[], prefix: string, indent: string): void {
    this.text += "{\n";
    for (const node of nodes) {
      this.text += `${indent}  `;
      this.keys.set(`${prefix}${node.path.at(-1)}`, this.text.length);
      this.text += `${node.key}: `;
      const shape = objectKind(node.kind);
      const children = childrenOf(node.kind);
      if (shape === "object") this.object(children, `${prefix}${node.key}.`, `${indent}  `);
      else if (shape === "list") {
        this.text += "[";
        this.object(children, `${prefix}${node.key}.*.`, `${indent}  `);
        this.text += "]";
      } else this.text += scalar(node.kind, node);
      this.text += ",\n";
    }
    this.text += `${indent}}`;
  }
}

export function everyKeyConfig(tree: OptionTree): EveryKey {
  const writer = new Writer();
  writer.text = 'import { defineConfig } from "comin";\n\nexport default defineConfig(';
  const hosts: OptionNode = {
    key: "hosts",
    path: ["hosts"],
    required: true,
    description: "",
    kind: { type: "object", children: [{ key: "web1", path: ["web1"], required: true, description: "", kind: { type: "object", children: [...tree.settings, ...tree.hostOnly] } }] },
  };
  writer.object([...tree.settings, hosts], "", "");
  writer.text += ");\n";
  return { text: writer.text, keys: writer.keys };
}
