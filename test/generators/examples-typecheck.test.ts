/**
 * The examples are what users copy: they type-check against `defineConfig` with the editor setup
 * examples/tsconfig.json recommends, in place and from a copy outside this repository (where
 * only its `paths` entry can resolve "comin").
 */
import test from "ava";
import { copyFile, mkdir, symlink } from "node:fs/promises";
import path from "node:path";
import ts from "typescript";
import { tempDir } from "../helpers/temp.js";
import { EXAMPLE_NAMES, EXAMPLES, REPO } from "./example-helpers.js";

const TSCONFIG = "tsconfig.json";

/** Diagnostics of the project that `dir`/tsconfig.json describes, and where "comin" resolved. */
function typecheck(dir: string): { diagnostics: string[]; files: string[]; comin: string | undefined } {
  const configFile = ts.readConfigFile(path.join(dir, TSCONFIG), (file) => ts.sys.readFile(file));
  if (configFile.error) throw new Error(ts.flattenDiagnosticMessageText(configFile.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, dir);
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  const diagnostics = [...parsed.errors, ...ts.getPreEmitDiagnostics(program)].map((diagnostic) => {
    const where = diagnostic.file ? `${path.relative(dir, diagnostic.file.fileName)}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}: ` : "";
    return `${where}${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}`;
  });
  const comin = ts.resolveModuleName("comin", parsed.fileNames[0] ?? "", parsed.options, ts.sys).resolvedModule?.resolvedFileName;
  return { diagnostics, files: parsed.fileNames.map((file) => path.relative(dir, file)).sort(), comin };
}

test("every example's comin.config.ts type-checks with examples/tsconfig.json", (t) => {
  const result = typecheck(EXAMPLES);

  t.deepEqual(result.diagnostics, []);
  t.deepEqual(result.files, EXAMPLE_NAMES.map((name) => `${name}/comin.config.ts`));
});

test("outside this repository, examples/tsconfig.json's paths entry is what finds comin's types", async (t) => {
  const dir = await tempDir(t, "comin-examples-");
  const copy = path.join(dir, "examples");
  for (const name of EXAMPLE_NAMES) {
    await mkdir(path.join(copy, name), { recursive: true });
    await copyFile(path.join(EXAMPLES, name, "comin.config.ts"), path.join(copy, name, "comin.config.ts"));
  }
  await copyFile(path.join(EXAMPLES, TSCONFIG), path.join(copy, TSCONFIG));
  await symlink(path.join(REPO, "dist"), path.join(dir, "dist"));

  const result = typecheck(copy);

  t.deepEqual(result.diagnostics, []);
  t.is(result.comin, path.join(dir, "dist", "dsl", "index.d.ts"));
});
