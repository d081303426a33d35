#!/usr/bin/env node
/**
 * Extracts the documentation of every configuration key from the JSDoc of dsl/schema.ts and
 * dsl/schema-*.ts into generators/docs.generated.json. That JSON is what the generators read (they walk the zod schema
 * at run time, where comments no longer exist), so the text is written once, in the schema.
 *
 * Keys are `<ExportedVariable>.<key>`, and `<ExportedVariable>.<key>.<subkey>` for objects written
 * inline (`Remote.poll.interval`). A key without JSDoc makes the script fail: every key is
 * documented. Run by `npm run generate:docs`; `extractDocs` is also imported by the drift test,
 * which compares its result with the committed JSON.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
// ts-morph is the dev dependency that carries the TypeScript compiler; its raw `ts` API is enough
// (and much faster than wrapping every node) for reading comments.
import { ts } from "ts-morph";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** dsl/schema.ts and dsl/schema-<part>.ts, in name order. */
export const SCHEMA_FILES = readdirSync(path.join(ROOT, "dsl"))
  .filter((name) => /^schema(?:-[a-z]+)?\.ts$/.test(name))
  .sort()
  .map((name) => path.join(ROOT, "dsl", name));
export const DOCS_FILE = path.join(ROOT, "generators", "docs.generated.json");

export class MissingDocsError extends Error {
  name = "MissingDocsError";
  /** @param {string[]} keys */
  constructor(keys) {
    super(`every configuration key needs a JSDoc comment in dsl/schema*.ts; missing for: ${keys.join(", ")}`);
    this.keys = keys;
  }
}

/** `z.strictObject({...})`, the only object constructor the schema uses (unknown keys are errors). */
function isStrictObjectCall(node) {
  return (
    ts.isCallExpression(node) &&
    ts.isPropertyAccessExpression(node.expression) &&
    ts.isIdentifier(node.expression.expression) &&
    node.expression.expression.text === "z" &&
    node.expression.name.text === "strictObject" &&
    node.arguments[0] !== undefined &&
    ts.isObjectLiteralExpression(node.arguments[0])
  );
}

/** The outermost `z.strictObject` calls under `node`: deeper ones are reached through their key. */
function strictObjectsUnder(node) {
  const found = [];
  const visit = (child) => {
    if (isStrictObjectCall(child)) found.push(child);
    else ts.forEachChild(child, visit);
  };
  visit(node);
  return found;
}

/**
 * JSDoc paragraphs are hard-wrapped in the source; a single newline is just a wrap, so it becomes
 * a space and only blank lines stay paragraph breaks (Markdown and the Nix manual agree on that).
 */
function normalise(text) {
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.replace(/\s*\n\s*/g, " ").trim())
    .filter((paragraph) => paragraph !== "")
    .join("\n\n");
}

function readJsDoc(property) {
  const doc = ts.getJSDocCommentsAndTags(property).filter((node) => ts.isJSDoc(node)).at(-1);
  if (!doc) return undefined;
  const description = normalise(ts.getTextOfJSDocComment(doc.comment) ?? "");
  if (description === "") return undefined;
  const entry = { description };
  for (const tag of doc.tags ?? []) {
    const name = tag.tagName.text;
    if (name === "default" || name === "example") entry[name] = (ts.getTextOfJSDocComment(tag.comment) ?? "").trim();
  }
  return entry;
}

function propertyName(property, source) {
  const name = property.name;
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : name.getText(source);
}

function walkObject(call, prefix, source, docs, missing) {
  for (const property of call.arguments[0].properties) {
    // Spreads (`...HostSettings.shape`) are documented where they are declared.
    if (!ts.isPropertyAssignment(property)) continue;
    const key = `${prefix}.${propertyName(property, source)}`;
    const entry = readJsDoc(property);
    if (entry) docs[key] = entry;
    else missing.push(key);
    for (const inner of strictObjectsUnder(property.initializer)) walkObject(inner, key, source, docs, missing);
  }
}

/**
 * Documentation of every key of every exported `z.strictObject`, file by file in source order.
 * @param {string | string[]} schemaFiles
 */
export function extractDocs(schemaFiles = SCHEMA_FILES) {
  const docs = {};
  const missing = [];
  for (const file of [schemaFiles].flat()) extractFile(file, docs, missing);
  if (missing.length) throw new MissingDocsError(missing);
  return docs;
}

function extractFile(schemaFile, docs, missing) {
  const source = ts.createSourceFile(schemaFile, readFileSync(schemaFile, "utf8"), ts.ScriptTarget.Latest, true);
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    if (!statement.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (!declaration.initializer || !ts.isIdentifier(declaration.name)) continue;
      for (const call of strictObjectsUnder(declaration.initializer)) walkObject(call, declaration.name.text, source, docs, missing);
    }
  }
}

export function renderDocsJson(docs) {
  return `${JSON.stringify(docs, null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    const docs = extractDocs();
    writeFileSync(DOCS_FILE, renderDocsJson(docs));
    console.log(`extract-docs: ${Object.keys(docs).length} keys → ${path.relative(process.cwd(), DOCS_FILE)}`);
  } catch (error) {
    console.error(`extract-docs: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
