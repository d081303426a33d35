/**
 * Structured logging: one JSON object per line on stdout (journald keeps it), with a static
 * message and fields. Values of keys that look secret are replaced, whatever the caller passes.
 */
export type Level = "debug" | "info" | "warn" | "error";
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

function redact(fields: Fields): Fields {
  const out: Fields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SECRET_KEY.test(key) && !/File$|Path$/.test(key)) out[key] = "[redacted]";
    else if (value instanceof Error) out[key] = value.message;
    else out[key] = value;
  }
  return out;
}

export function createLogger(options: { level?: Level; write?: (line: string) => void; base?: Fields } = {}): Logger {
  const minimum = ORDER[options.level ?? "info"];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const base = options.base ?? {};
  const emit = (level: Level, message: string, fields: Fields = {}) => {
    if (ORDER[level] < minimum) return;
    write(JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...redact(base), ...redact(fields) }));
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
