/**
 * Golden files: generating each example equals examples/<name>/expected/ byte for byte. The
 * test never writes them; to accept new output, run `npm run generate:docs` (which rewrites every
 * generated file) and review the diff.
 */
import test from "ava";
import path from "node:path";
import { generateCommand } from "../../generators/commands.js";
import { exampleNames, renderExample } from "../../generators/write-generated.js";
import { EXAMPLE_NAMES, EXAMPLES, exampleConfig, expectedFiles } from "./example-helpers.js";

test("every example directory is covered", (t) => {
  t.deepEqual(exampleNames(), [...EXAMPLE_NAMES]);
});

for (const name of EXAMPLE_NAMES) {
  test(`${name}: generated files equal expected/`, async (t) => {
    const generated = await renderExample(name);

    const expected = expectedFiles(name);

    t.deepEqual([...generated.keys()].sort(), [...expected.keys()]);
    for (const [file, content] of generated) t.is(expected.get(file), content, `${name}/expected/${file}`);
  });

  test(`${name}: comin generate --check agrees with expected/`, async (t) => {
    let output = "";
    const sink = { write: (text: string) => (output += text) };

    const code = await generateCommand({ config: exampleConfig(name), out: path.join(EXAMPLES, name, "expected"), check: true, stdout: sink, stderr: sink });

    t.is(code, 0, output);
  });
}
