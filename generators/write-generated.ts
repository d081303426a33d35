/**
 * Rewrites every committed generated file: generators/docs.generated.json, docs/options.md,
 * docs/comin.schema.json, nix/options.generated.nix, dsl/input-types.generated.ts and the golden
 * outputs of each example (examples/<name>/expected/). This is `npm run generate:docs`, the only
 * command that writes them: neither the build nor any test does, so the drift and golden tests
 * compare what the sources produce now with what is committed.
 */
import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { resolveFleet } from "../dsl/resolve.js";
import { formatIssue } from "../dsl/issues.js";
import { renderJsonSchema } from "./json-schema.js";
import { loadUserConfig } from "./load-config.js";
import { renderMarkdown } from "./markdown.js";
import { renderNixOptions } from "./nix-options.js";
import { renderInputTypes } from "./ts-types.js";
import { planHostOutputs } from "./host-outputs.js";
import { writeFileAtomically, writeOutputDir } from "./output-dir.js";
import { EXAMPLES_DIR, GENERATED_FILES, REPO_ROOT } from "./repo-paths.js";
import type { SchemaDocs } from "./schema-docs.js";
import { walkSchema } from "./walk.js";

interface ExtractDocsModule {
  extractDocs(schemaFile?: string): SchemaDocs;
  renderDocsJson(docs: SchemaDocs): string;
}

/** scripts/extract-docs.mjs is plain JavaScript outside the compiled tree; load it from the repository. */
export async function importExtractDocs(): Promise<ExtractDocsModule> {
  return (await import(pathToFileURL(path.join(REPO_ROOT, "scripts", "extract-docs.mjs")).href)) as ExtractDocsModule;
}

/** The documentation in dsl/schema*.ts now (not the committed docs.generated.json). */
export async function currentSchemaDocs(): Promise<SchemaDocs> {
  const { extractDocs } = await importExtractDocs();
  return extractDocs();
}

export async function renderDocsJson(docs: SchemaDocs): Promise<string> {
  const { renderDocsJson: render } = await importExtractDocs();
  return render(docs);
}

/** The files generated from the option tree, by absolute path. */
export function renderDocFiles(docs: SchemaDocs): Map<string, string> {
  const tree = walkSchema(docs);
  return new Map([
    [GENERATED_FILES.optionsMarkdown, renderMarkdown(tree)],
    [GENERATED_FILES.jsonSchema, renderJsonSchema(tree)],
    [GENERATED_FILES.nixOptions, renderNixOptions(tree)],
    [GENERATED_FILES.inputTypes, renderInputTypes(tree)],
  ]);
}

export const EXAMPLE_CONFIG = "comin.config.ts";

export function exampleNames(): string[] {
  return readdirSync(EXAMPLES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(EXAMPLES_DIR, entry.name, EXAMPLE_CONFIG)))
    .map((entry) => entry.name)
    .sort();
}

export function exampleDir(name: string): string {
  return path.join(EXAMPLES_DIR, name);
}

/** What `comin generate examples/<name>/comin.config.ts` produces, by file name. */
export async function renderExample(name: string): Promise<Map<string, string>> {
  const file = path.join(exampleDir(name), EXAMPLE_CONFIG);
  const resolution = resolveFleet(await loadUserConfig(file));
  if (!resolution.ok) throw new Error(resolution.issues.map((issue) => formatIssue(issue, file)).join("\n"));
  return planHostOutputs(resolution.value, EXAMPLE_CONFIG);
}

async function writeIfChanged(file: string, content: string): Promise<void> {
  const current = await readFile(file, "utf8").catch(() => undefined);
  if (current === content) return;
  await writeFileAtomically(file, content);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

export async function writeGenerated(): Promise<void> {
  const docs = await currentSchemaDocs();
  await writeIfChanged(GENERATED_FILES.docsJson, await renderDocsJson(docs));
  for (const [file, content] of renderDocFiles(docs)) await writeIfChanged(file, content);
  for (const name of exampleNames()) {
    const expected = path.join(exampleDir(name), "expected");
    const report = await writeOutputDir(expected, await renderExample(name));
    for (const written of report.written) console.log(`wrote ${path.relative(process.cwd(), path.join(expected, written))}`);
    for (const removed of report.removed) console.log(`removed ${path.relative(process.cwd(), path.join(expected, removed))}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  writeGenerated().catch((error: unknown) => {
    console.error(`write-generated: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
