/**
 * What an editor shows on hover over the keys of a user's comin.config.ts, with comin installed
 * from its packed tarball (the emitted `.d.ts`, not the sources): every documented key, at the
 * fleet level and under a host, shows its description and `@default`.
 */
import test from "ava";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { allNodes } from "../../generators/option-tree.js";
import { walkSchema } from "../../generators/walk.js";
import { importExtractDocs } from "../../generators/write-generated.js";
import { editorFor, fleetWithPackedComin } from "./editor-helpers.js";
import { everyKeyConfig } from "./every-key.js";

const { extractDocs } = await importExtractDocs();
const tree = walkSchema(extractDocs());
const squash = (text: string) => text.replace(/\s+/g, " ").trim();

test("hovering any documented key of comin.config.ts, with comin installed from its tarball, shows its description and @default", async (t) => {
  const fleet = await fleetWithPackedComin(t);
  const file = path.join(fleet, "comin.config.ts");
  const config = everyKeyConfig(tree);
  await writeFile(file, config.text);
  const editor = editorFor([file]);

  const nodes = [...allNodes([...tree.settings, ...tree.hostOnly])];
  const hostOnly = new Set([...allNodes(tree.hostOnly)]);
  const wrong: string[] = [];
  let asked = 0;
  for (const node of nodes) {
    const paths = [...(hostOnly.has(node) ? [] : [node.path.join(".")]), `hosts.web1.${node.path.join(".")}`];
    for (const keyPath of paths) {
      const offset = config.keys.get(keyPath);
      if (offset === undefined) throw new Error(`the generated config has no key ${keyPath}`);
      const hover = editor.hover(file, offset + 1);
      asked++;
      if (squash(hover.doc) !== squash(node.description)) wrong.push(`${keyPath}: documentation ${JSON.stringify(hover.doc)}`);
      if (node.default && hover.defaultTag !== node.default.text) wrong.push(`${keyPath}: @default ${JSON.stringify(hover.defaultTag)}, expected ${node.default.text}`);
    }
  }

  t.deepEqual(wrong, []);
  t.true(asked > 200, `${asked} keys asked`);
  t.deepEqual(editor.diagnostics(file), [], "the generated config type-checks");
});

test("hovering hosts shows its documentation", async (t) => {
  const fleet = await fleetWithPackedComin(t);
  const file = path.join(fleet, "comin.config.ts");
  const config = everyKeyConfig(tree);
  await writeFile(file, config.text);

  const hover = editorFor([file]).hover(file, (config.keys.get("hosts") ?? 0) + 1);

  t.regex(hover.doc, /^One entry per machine, named by its host name/);
});
