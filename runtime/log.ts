/**
 * Logging: a static message plus fields, in one of two formats. `text` (the default) is for
 * people: `time LEVEL message key=value…`, control characters made visible; under systemd
 * (`JOURNAL_STREAM` set) each line starts with its journald priority (`<4>`) and no time, so
 * that `journalctl -p warning` shows exactly warnings and errors; colours on a TTY only, never
 * with `NO_COLOR`. `json` is one object a line for log shippers. Values of keys that look secret
 * are replaced, whatever the caller passes.
 */
import { visible } from "./cli/visible.js";

export type Level = "debug" | "info" | "warn" | "error";
export type LogFormat = "text" | "json";
export type Fields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  /** A logger that adds `fields` (e.g. `{ generation }`) to every line. */
  child(fields: Fields): Logger;
}

const SECRET_KEY = /token|secret|password|passphrase|authorization|credential/i;
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** syslog priorities, as journald reads them from a `<N>` prefix. */
const JOURNAL_PRIORITY: Record<Level, number> = { debug: 7, info: 6, warn: 4, error: 3 };
const COLOUR: Record<Level, string> = { debug: "\u001b[2m", info: "", warn: "\u001b[33m", error: "\u001b[31m" };

/** How text lines look: decided once from the environment by `textStyle`. */
export interface TextStyle {
  journal: boolean;
  colour: boolean;
}

/** Journald prefixes when stdout is the journal; colours only on a terminal without NO_COLOR. */
export function textStyle(env: NodeJS.ProcessEnv = process.env, isTty: boolean = process.stdout.isTTY === true): TextStyle {
  const journal = Boolean(env.JOURNAL_STREAM);
  return { journal, colour: isTty && !journal && !env.NO_COLOR };
}

function redact(fields: Fields): Fields {
  const out: Fields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SECRET_KEY.test(key) && !/File$|Path$/.test(key)) out[key] = "[redacted]";
    else if (value instanceof Error) out[key] = value.message;
    else out[key] = value;
  }
  return out;
}

function textValue(value: unknown): string {
  const text = typeof value === "string" ? value : value === undefined ? "undefined" : JSON.stringify(value);
  const shown = visible(text);
  return /^[^\s"=]+$/.test(shown) ? shown : `"${shown.replace(/"/g, '\\"')}"`;
}

/** One text line: `2026-06-20T10:00:00.000Z WARN message key=value`, or `<4>message key=value` for journald. */
export function formatTextLine(entry: { time: string; level: Level; msg: string; fields: Fields }, style: TextStyle): string {
  const fields = Object.entries(entry.fields).map(([key, value]) => `${key}=${textValue(value)}`);
  const body = [visible(entry.msg), ...fields].join(" ");
  if (style.journal) return `<${JOURNAL_PRIORITY[entry.level]}>${body}`;
  const level = entry.level.toUpperCase().padEnd(5);
  const head = style.colour && COLOUR[entry.level] ? `${COLOUR[entry.level]}${level}\u001b[0m` : level;
  return `${entry.time} ${head} ${body}`;
}

export function createLogger(options: { level?: Level; format?: LogFormat; style?: TextStyle; write?: (line: string) => void; base?: Fields } = {}): Logger {
  const minimum = ORDER[options.level ?? "info"];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const base = options.base ?? {};
  const format = options.format ?? "json";
  const style = options.style ?? textStyle();
  const emit = (level: Level, message: string, fields: Fields = {}) => {
    if (ORDER[level] < minimum) return;
    const time = new Date().toISOString();
    const all = { ...redact(base), ...redact(fields) };
    write(format === "json" ? JSON.stringify({ time, level, msg: message, ...all }) : formatTextLine({ time, level, msg: message, fields: all }, style));
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
  };
}

/** A logger that drops everything (tests, one-shot CLI commands). */
export const silentLogger: Logger = createLogger({ write: () => {} });
