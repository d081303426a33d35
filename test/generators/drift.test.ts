/**
 * The committed generated files equal what the generators produce now. When one fails, run
 * `npm run build && node dist/generators/write-generated.js` and commit the result.
 */
import test from "ava";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { GENERATED_FILES } from "../../generators/repo-paths.js";
import { renderDocFiles, renderDocsJson } from "../../generators/write-generated.js";
import { REPO } from "./example-helpers.js";

const HINT = "stale: run `npm run build && node dist/generators/write-generated.js`";

test("generators/docs.generated.json matches the JSDoc of dsl/schema.ts", async (t) => {
  const expected = await renderDocsJson();

  const committed = await readFile(GENERATED_FILES.docsJson, "utf8");

  t.is(committed, expected, HINT);
});

for (const [file, content] of renderDocFiles()) {
  test(`${path.relative(REPO, file)} matches the schema`, async (t) => {
    const committed = await readFile(file, "utf8");

    t.is(committed, content, HINT);
  });
}
