import test from "ava";
import { terminalJson, visible, visibleLines, visibleText } from "../../../runtime/cli/visible.js";

test("visible shows C0, DEL, C1 and direction overrides as escapes, and leaves other text alone", (t) => {
  t.is(visible("a\u001b]0;title\u0007b\rc\td\ne"), "a\\x1b]0;title\\x07b\\rc\\td\\ne");
  t.is(visible("x\u007f\u009b31m\u202eevil\u2066"), "x\\x7f\\x9b31m\\u202eevil\\u2066");
  t.is(visible("déjà vu ✓ 日本"), "déjà vu ✓ 日本");
  t.is(visible(null), null);
});

test("visibleLines and visibleText keep line breaks but nothing else", (t) => {
  t.deepEqual(visibleLines("error:\r\n  \u001b[31mred\n"), ["error:", "  \\x1b[31mred", ""]);
  t.is(visibleText("one\u001b\ntwo\r\n"), "one\\x1b\ntwo\\r\n");
});

test("terminalJson is the same JSON with every control character escaped", (t) => {
  const value = { message: "a\u001b\u009b\u202e\nb" };

  const text = terminalJson(value, 2);

  t.deepEqual(JSON.parse(text), value);
  t.notRegex(text.replace(/\n/g, ""), /[\u0000-\u001f\u007f-\u009f\u202e]/);
  t.is(visibleText(text), text, "already visible");
});
