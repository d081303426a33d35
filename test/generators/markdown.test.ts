/** docs/options.md describes every type in words, never with a regular expression. */
import test from "ava";
import { describeKind, renderMarkdown } from "../../generators/markdown.js";
import { allNodes } from "../../generators/option-tree.js";
import { walkSchema } from "../../generators/walk.js";
import { currentSchemaDocs } from "../../generators/write-generated.js";

const tree = walkSchema(await currentSchemaDocs());
const nodes = [...allNodes([...tree.settings, ...tree.hostOnly, ...tree.resolvedOnly])];

test("every string with a pattern has a readable description", (t) => {
  const bare = nodes.filter((node) => {
    const kind = node.kind.type === "nullable" ? node.kind.inner : node.kind.type === "list" ? node.kind.of : node.kind;
    return kind.type === "string" && kind.pattern !== undefined && kind.readable === undefined;
  });

  t.deepEqual(bare.map((node) => node.path.join(".")), []);
});

test("options.md shows readable types: no regular expression in any type", (t) => {
  const types = nodes.map((node) => describeKind(node.kind));

  t.deepEqual(types.filter((type) => /[\^$]|\\[dswb]|\[[^\]]*-[^\]]*\]|\{\d/.test(type)), []);
  t.regex(renderMarkdown(tree), /\| Type \| remote name \(letters, digits, "\.", "_" and "-", starting with a letter or digit, at most 63 characters\) \|/);
  t.regex(renderMarkdown(tree), /\| Type \| time of day, `HH:MM` on a 24-hour clock \|/);
});
