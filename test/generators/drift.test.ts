/**
 * The committed generated files equal what the sources produce now: the documentation is
 * extracted afresh from the JSDoc of dsl/schema*.ts, and every file is rendered from it. Nothing
 * rewrites those files before the comparison (`npm run build` does not; only
 * `npm run generate:docs` does), so a JSDoc edited without regenerating fails here.
 */
import test from "ava";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { GENERATED_FILES } from "../../generators/repo-paths.js";
import { currentSchemaDocs, renderDocFiles, renderDocsJson } from "../../generators/write-generated.js";
import { REPO } from "./example-helpers.js";

const HINT = "stale: run `npm run generate:docs` and commit the result";
const docs = await currentSchemaDocs();

test("generators/docs.generated.json matches the JSDoc of dsl/schema*.ts", async (t) => {
  const committed = await readFile(GENERATED_FILES.docsJson, "utf8");

  t.is(committed, await renderDocsJson(docs), HINT);
});

for (const [file, content] of renderDocFiles(docs)) {
  test(`${path.relative(REPO, file)} matches the schema and its JSDoc`, async (t) => {
    const committed = await readFile(file, "utf8");

    t.is(committed, content, HINT);
  });
}
