/**
 * What a user's editor sees: the package as `npm pack` makes it, unpacked into the
 * `node_modules` of a fresh fleet directory, and the TypeScript language service asked about a
 * `comin.config.ts` there. No network: the tarball is unpacked with tar, and the one dependency
 * its declarations import (zod) is linked from this repository's node_modules.
 */
import { execa } from "execa";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import ts from "typescript";
import { tempDir, type Teardown } from "../helpers/temp.js";
import { REPO } from "../generators/example-helpers.js";

/** A fresh directory whose node_modules holds the packed comin (and zod, for its types). */
export async function fleetWithPackedComin(t: Teardown): Promise<string> {
  const dir = await tempDir(t, "comin-editor-");
  const packed = await execa("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", dir], { cwd: REPO });
  const tarball = path.join(dir, packed.stdout.trim().split("\n").at(-1) ?? "");
  const fleet = path.join(dir, "fleet");
  const comin = path.join(fleet, "node_modules", "comin");
  await mkdir(comin, { recursive: true });
  await execa("tar", ["-xzf", tarball, "-C", comin, "--strip-components=1"]);
  await symlink(path.join(REPO, "node_modules", "zod"), path.join(fleet, "node_modules", "zod"));
  await writeFile(path.join(fleet, "package.json"), JSON.stringify({ name: "fleet", private: true, type: "module" }));
  return fleet;
}

/** The compiler options of examples/tsconfig.json, the setup the README recommends. */
export const EDITOR_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  types: [],
};

export interface Editor {
  service: ts.LanguageService;
  /** Documentation and `@default` tag of the symbol at `offset` of `file`. */
  hover(file: string, offset: number): { doc: string; defaultTag: string; display: string };
  /** Every diagnostic of `file`, as `line:column message` (1-based), with the first message line only. */
  diagnostics(file: string): { line: number; column: number; length: number; message: string; text: string }[];
}

export function editorFor(files: readonly string[], options: ts.CompilerOptions = EDITOR_OPTIONS): Editor {
  const service = ts.createLanguageService({
    getScriptFileNames: () => [...files],
    getScriptVersion: () => "1",
    getScriptSnapshot: (name) => (ts.sys.fileExists(name) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(name) ?? "") : undefined),
    getCurrentDirectory: () => path.dirname(files[0] ?? REPO),
    getCompilationSettings: () => options,
    getDefaultLibFileName: (compilerOptions) => ts.getDefaultLibFilePath(compilerOptions),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
    realpath: ts.sys.realpath,
  });
  return {
    service,
    hover(file, offset) {
      const info = service.getQuickInfoAtPosition(file, offset);
      return {
        doc: ts.displayPartsToString(info?.documentation ?? []),
        defaultTag: ts.displayPartsToString(info?.tags?.find((tag) => tag.name === "default")?.text ?? []),
        display: ts.displayPartsToString(info?.displayParts ?? []),
      };
    },
    diagnostics(file) {
      const source = service.getProgram()?.getSourceFile(file);
      return [...service.getSyntacticDiagnostics(file), ...service.getSemanticDiagnostics(file)].map((diagnostic) => {
        const start = diagnostic.start ?? 0;
        const { line, character } = source ? source.getLineAndCharacterOfPosition(start) : { line: -1, character: -1 };
        return {
          line: line + 1,
          column: character + 1,
          length: diagnostic.length ?? 0,
          message: ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"),
          text: source?.text.slice(start, start + (diagnostic.length ?? 0)) ?? "",
        };
      });
    },
  };
}
