/**
 * The examples are what users copy: they must type-check against `defineConfig` exactly as an
 * editor would check them (tsconfig.json leaves examples/ out of the build).
 */
import test from "ava";
import path from "node:path";
import ts from "typescript";
import { EXAMPLE_NAMES, exampleConfig, REPO } from "./example-helpers.js";

test("every example's comin.config.ts type-checks against the DSL", (t) => {
  const configFile = ts.readConfigFile(path.join(REPO, "tsconfig.json"), (file) => ts.sys.readFile(file));
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, REPO);
  const files = EXAMPLE_NAMES.map(exampleConfig);

  const program = ts.createProgram(files, { ...options, noEmit: true, declaration: false, sourceMap: false });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const where = diagnostic.file ? `${path.relative(REPO, diagnostic.file.fileName)}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}: ` : "";
    return `${where}${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}`;
  });

  t.deepEqual(diagnostics, []);
});
