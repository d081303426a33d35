/**
 * Nix string literals and attribute names for generated Nix code. Every string that ends up in a
 * generated `.nix` file goes through here, so that a description or a host name can never break
 * out of its literal (`"`), start an antiquotation (`${`) or eat an escape (`\`).
 */

/** Thrown for a string Nix cannot hold (its strings are C strings: no NUL byte). */
export class NixStringError extends Error {
  override readonly name = "NixStringError";
}

const ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  '"': '\\"',
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** A double-quoted Nix string literal that evaluates to exactly `value`. */
export function nixString(value: string): string {
  if (value.includes("\0")) throw new NixStringError(`a Nix string cannot contain a NUL character: ${JSON.stringify(value)}`);
  // `$` only matters right before `{`; escaping that `$` alone keeps `$$` and a lone `$` readable.
  const body = value.replace(/[\\"\n\r\t]|\$(?=\{)/g, (match) => ESCAPES[match] ?? "\\$");
  return `"${body}"`;
}

/** Words the Nix parser reserves; as attribute names they must be quoted. */
const KEYWORDS = new Set(["if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or"]);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_'-]*$/;

/** An attribute name as written left of `=`: bare when Nix allows it, quoted otherwise. */
export function nixAttrName(name: string): string {
  return IDENTIFIER.test(name) && !KEYWORDS.has(name) ? name : nixString(name);
}
