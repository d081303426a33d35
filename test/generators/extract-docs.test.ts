import test from "ava";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { importExtractDocs } from "../../generators/write-generated.js";

const { extractDocs } = await importExtractDocs();

async function withSchema(source: string, run: (file: string) => void | Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "comin-extract-docs-"));
  try {
    const file = path.join(dir, "schema.ts");
    await writeFile(file, source);
    await run(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("keys of inline objects are named after their parent key, and spreads are skipped", async (t) => {
  const source = `
    import { z } from "zod";
    export const Outer = z.strictObject({
      /**
       * Polling, hard-wrapped
       * over two lines.
       *
       * Second paragraph.
       * @default {}
       */
      poll: z.strictObject({
        /**
         * Interval.
         * @default "60s"
         */
        interval: z.number(),
      }).prefault({}),
    });
    export const Both = z.strictObject({
      ...Outer.shape,
      /** Own key. */
      own: z.string(),
    });
    const Private = z.strictObject({ hidden: z.string() });
  `;

  await withSchema(source, (file) => {
    const docs = extractDocs(file);

    t.deepEqual(docs, {
      "Outer.poll": { description: "Polling, hard-wrapped over two lines.\n\nSecond paragraph.", default: "{}" },
      "Outer.poll.interval": { description: "Interval.", default: '"60s"' },
      "Both.own": { description: "Own key." },
    });
  });
});

test("a key without JSDoc fails, naming every undocumented key", async (t) => {
  const source = `
    import { z } from "zod";
    export const Thing = z.strictObject({
      /** Documented. */
      good: z.string(),
      bad: z.string(),
      nested: z.strictObject({
        /** Fine. */
        ok: z.string(),
        alsoBad: z.string(),
      }),
    });
  `;

  await withSchema(source, (file) => {
    const error = t.throws(() => extractDocs(file));

    t.is(error?.name, "MissingDocsError");
    t.regex(error?.message ?? "", /missing for: Thing\.bad, Thing\.nested, Thing\.nested\.alsoBad$/);
  });
});

test("the real schema documents its nested and spread keys", (t) => {
  const docs = extractDocs();

  t.truthy(docs["Remote.poll.interval"]?.description);
  t.is(docs["Remote.poll.interval"]?.default, '"60s"');
  t.truthy(docs["RuntimeConfig.schemaVersion"]);
  t.truthy(docs["RuntimeConfig.hostname"]);
  t.false("RuntimeConfig.remotes" in docs);
});
