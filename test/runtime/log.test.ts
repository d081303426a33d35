import test from "ava";
import { createLogger, formatTextLine, textStyle } from "../../runtime/log.js";

const entry = { time: "2026-06-20T10:00:00.000Z", level: "warn" as const, msg: "fetch failed", fields: { remote: "origin", error: "fatal: no\u001b[2J", token: "[redacted]" } };

test("text lines: time, level, message, key=value with quoting and visible control characters", (t) => {
  t.is(formatTextLine(entry, { journal: false, colour: false }), '2026-06-20T10:00:00.000Z WARN  fetch failed remote=origin error="fatal: no\\x1b[2J" token=[redacted]');
  t.is(formatTextLine(entry, { journal: true, colour: false }), '<4>fetch failed remote=origin error="fatal: no\\x1b[2J" token=[redacted]');
  t.is(formatTextLine({ ...entry, level: "error" }, { journal: false, colour: true }).slice(25, 39), "\u001b[31mERROR\u001b[0m");
});

test("colours only on a terminal without NO_COLOR and outside the journal", (t) => {
  t.deepEqual(textStyle({}, true), { journal: false, colour: true });
  t.deepEqual(textStyle({ NO_COLOR: "1" }, true), { journal: false, colour: false });
  t.deepEqual(textStyle({}, false), { journal: false, colour: false });
  t.deepEqual(textStyle({ JOURNAL_STREAM: "8:1" }, true), { journal: true, colour: false });
});

test("secrets are redacted in both formats", (t) => {
  const lines: string[] = [];
  const text = createLogger({ format: "text", style: { journal: false, colour: false }, write: (line) => lines.push(line) });
  const json = createLogger({ format: "json", write: (line) => lines.push(line) });

  text.info("x", { password: "hunter2" });
  json.info("x", { password: "hunter2" });

  t.false(lines.some((line) => line.includes("hunter2")));
});
