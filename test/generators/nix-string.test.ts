import test from "ava";
import { execa } from "execa";
import { nixAttrName, nixString, NixStringError } from "../../generators/nix-string.js";
import { nixValue } from "../../generators/nix-value.js";

test("escapes backslash, quote, antiquotation and newlines", (t) => {
  t.is(nixString('a "b" \\ ${c}\n'), '"a \\"b\\" \\\\ \\${c}\\n"');
});

test("leaves a lone dollar and $$ readable", (t) => {
  t.is(nixString("cost: $5, $$HOME"), '"cost: $5, $$HOME"');
});

test("refuses a NUL character, which no Nix string can hold", (t) => {
  t.throws(() => nixString("a\0b"), { instanceOf: NixStringError });
});

test("attribute names are bare when Nix allows it, quoted otherwise", (t) => {
  const names = ["web1", "web-1", "_x", "it's", "db.internal", "1web", "", "in", "or", "a b", "${x}"];

  const rendered = names.map(nixAttrName);

  t.deepEqual(rendered, ["web1", "web-1", "_x", "it's", '"db.internal"', '"1web"', '""', '"in"', '"or"', '"a b"', '"\\${x}"']);
});

const HOSTILE = [
  "",
  "plain",
  '"',
  "\\",
  "\\\\",
  "${builtins.currentTime}",
  "$${x}",
  "$\\{x}",
  "\\${x}",
  "\\$",
  "$",
  "a$",
  "${",
  "''${x}''",
  "'' ''$ ''\\n",
  "line\nbreak\r\nwindows\ttab",
  '"; builtins.abort "pwned"; "',
  "#comment /* not */",
  "unicode: é ü 漢字 🚀",
  "control: \u0001\u001f",
];

test("hostile strings survive a round trip through real nix-instantiate", async (t) => {
  const expression = `[ ${HOSTILE.map(nixString).join(" ")} ]`;

  const result = await execa("nix-instantiate", ["--eval", "--strict", "--json", "-E", expression], { reject: false, timeout: 30_000 });

  t.is(result.exitCode, 0, result.stderr);
  t.deepEqual(JSON.parse(result.stdout), HOSTILE);
});

test("attribute names and nested values survive a round trip too", async (t) => {
  const value = {
    web1: { list: ["a", "${b}", 3, true, null], empty: [], nested: {} },
    "db.internal": [{ x: -1 }],
    in: "keyword",
    "a\"b": "quote in a name",
  };

  const result = await execa("nix-instantiate", ["--eval", "--strict", "--json", "-E", nixValue(value)], { reject: false, timeout: 30_000 });

  t.is(result.exitCode, 0, result.stderr);
  t.deepEqual(JSON.parse(result.stdout), value);
});
