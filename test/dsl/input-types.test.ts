/**
 * The documented input interfaces (dsl/input-types.generated.ts, what users' editors read) are
 * exactly `z.input` of the schema, checked by the TypeScript compiler on the emitted `.d.ts`.
 * A type check in the build itself would stop `npm run generate:docs` from rebuilding them.
 */
import test from "ava";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { REPO } from "../generators/example-helpers.js";
import { tempDir } from "../helpers/temp.js";
import { editorFor } from "./editor-helpers.js";

const DIST = path.join(REPO, "dist", "dsl");

/** Object types whose generated interface must equal the schema's input type. */
const PAIRS = ["HostSettings", "HostOnly", "Remote", "Health", "HealthCheck", "Prebuilt", "Reboot", "RebootCoordination", "EtcdCoordination"];

test("the generated input interfaces equal z.input of the schema, both ways", async (t) => {
  const dir = await tempDir(t, "comin-input-types-");
  const file = path.join(dir, "check.ts");
  const lines = [
    `import type { z } from ${JSON.stringify(path.join(REPO, "node_modules", "zod", "index.js"))};`,
    `import type * as schema from ${JSON.stringify(path.join(DIST, "schema.js"))};`,
    `import type * as generated from ${JSON.stringify(path.join(DIST, "input-types.generated.js"))};`,
    "type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;",
    ...PAIRS.map((name) => `export const ${name}: Same<z.input<typeof schema.${name}>, generated.${name}Input> = true;`),
  ];
  await writeFile(file, `${lines.join("\n")}\n`);

  const diagnostics = editorFor([file]).diagnostics(file);

  t.deepEqual(diagnostics.map((diagnostic) => `${diagnostic.text}: ${diagnostic.message}`), []);
});
