/**
 * Renders JSON values (defaults, examples) as Nix expressions, in the layout nixfmt produces for
 * small values: short lists of scalars on one line, everything else one element per line.
 */
import { nixAttrName, nixString } from "./nix-string.js";

const INDENT = "  ";

function isScalar(value: unknown): boolean {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

function scalar(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return nixString(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new TypeError(`only whole numbers are rendered as Nix, got ${value}`);
    // `[ 1 -1 ]` is a subtraction in Nix; a negative element needs parentheses.
    return value < 0 ? `(${value})` : String(value);
  }
  throw new TypeError(`cannot render ${typeof value} as Nix`);
}

/** A Nix expression equal to `value`, indented for a position `depth` levels deep. */
export function nixValue(value: unknown, depth = 0): string {
  if (isScalar(value)) return scalar(value);
  const pad = INDENT.repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[ ]";
    if (value.every(isScalar)) {
      const inline = `[ ${value.map(scalar).join(" ")} ]`;
      if (inline.length <= 60) return inline;
    }
    return `[\n${value.map((item) => `${pad}${INDENT}${nixValue(item, depth + 1)}`).join("\n")}\n${pad}]`;
  }
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    if (entries.length === 0) return "{ }";
    const lines = entries.map(([key, item]) => `${pad}${INDENT}${nixAttrName(key)} = ${nixValue(item, depth + 1)};`);
    return `{\n${lines.join("\n")}\n${pad}}`;
  }
  throw new TypeError(`cannot render ${typeof value} as Nix`);
}
