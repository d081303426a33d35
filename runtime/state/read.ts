/**
 * Reads `state.json` defensively, before any parsing: whatever sits at that path (a directory, a
 * FIFO, a device behind a symlink, a file of gigabytes, JSON nested deep enough to exhaust the
 * stack of a recursive walk), the answer is its text or the reason it is unusable. Never blocks,
 * never reads more than the size bound, never throws for what the file is.
 */
import { constants } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";

/** Our own state is well under 1 MiB (history and generations are bounded); 16 MiB is a hostile file. */
export const MAX_STATE_BYTES = 16 * 1024 * 1024;
/** Our own state nests 5 levels deep; JSON.stringify and the validator (runtime/validate/) recurse once per level. */
export const MAX_STATE_DEPTH = 32;

export type StateFileText = { kind: "missing" } | { kind: "text"; text: string } | { kind: "unusable"; reason: string };

export interface ReadLimits {
  maxBytes: number;
  maxDepth: number;
}

const DEFAULT_LIMITS: ReadLimits = { maxBytes: MAX_STATE_BYTES, maxDepth: MAX_STATE_DEPTH };

export async function readStateFile(file: string, limits: ReadLimits = DEFAULT_LIMITS): Promise<StateFileText> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { kind: "missing" };
    return { kind: "unusable", reason: `cannot open it (${code ?? (error as Error).message})` };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { kind: "unusable", reason: `it is not a regular file but ${fileKind(info)}` };
    if (info.size > limits.maxBytes) return { kind: "unusable", reason: tooLarge(info.size, limits.maxBytes) };
    // The file may grow between stat and read: up to one byte more than allowed is read, to notice.
    let buffer = Buffer.alloc(Math.min(info.size, limits.maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > limits.maxBytes) return { kind: "unusable", reason: tooLarge(length, limits.maxBytes) };
        const bigger = Buffer.alloc(Math.min(buffer.length * 2, limits.maxBytes + 1));
        buffer.copy(bigger);
        buffer = bigger;
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    const text = buffer.toString("utf8", 0, length);
    const depth = jsonNestingExceeds(text, limits.maxDepth);
    if (depth !== null) return { kind: "unusable", reason: `its JSON is nested deeper than ${limits.maxDepth} levels (at offset ${depth})` };
    return { kind: "text", text };
  } catch (error) {
    return { kind: "unusable", reason: `cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  } finally {
    await handle.close().catch(() => {});
  }
}

/**
 * The offset at which `text`, read as JSON, opens its (maxDepth+1)th nested array or object; null
 * when it never does. Brackets inside strings do not count. Iterative: no stack for any depth.
 */
export function jsonNestingExceeds(text: string, maxDepth: number): number | null {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > maxDepth) return i;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return null;
}

function tooLarge(size: number, max: number): string {
  return `it is larger than ${max / (1024 * 1024)} MiB (${size} bytes or more)`;
}

function fileKind(info: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (info.isDirectory()) return "a directory";
  if (info.isFIFO()) return "a FIFO";
  if (info.isSocket()) return "a socket";
  if (info.isCharacterDevice()) return "a character device";
  if (info.isBlockDevice()) return "a block device";
  return "something else";
}
