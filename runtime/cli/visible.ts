/**
 * Values that come from a repository or a remote (commit messages, branch names, errors, signer
 * names) reach the terminal only through `visible`: control characters (C0, DEL, C1) and the
 * bidirectional overrides are shown as escapes (`\x1b`, `\r`, `\u202e`), so that a commit message
 * cannot set the window title, clear the screen or overwrite a line (issue 9.3).
 */

// C0 controls, DEL, C1 controls, and the invisible direction marks and overrides.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

// What JSON.stringify leaves raw inside strings (it escapes C0 itself).
const UNESCAPED_BY_JSON = /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\u001b": "\\x1b", "\u0007": "\\x07" };

function escape(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** One line of text with every control character made visible (newlines included). */
export function visible(value: string): string;
export function visible(value: string | null | undefined): string | null;
export function visible(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value.replace(UNSAFE, escape);
}

/** Several lines: each line made visible, the line breaks kept (multi-line Nix errors). */
export function visibleLines(value: string): string[] {
  return value.replace(/\r\n/g, "\n").split("\n").map((line) => visible(line));
}

/** Text for the terminal: every line made visible, the line breaks between them kept. */
export function visibleText(text: string): string {
  return text.split("\n").map((line) => visible(line)).join("\n");
}

/**
 * JSON for the terminal and for pipes: JSON.stringify escapes C0 controls but not DEL, the C1
 * controls nor the direction overrides; those become `\uXXXX` escapes too (still the same JSON).
 */
export function terminalJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(UNESCAPED_BY_JSON, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
