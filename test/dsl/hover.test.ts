/**
 * The JSDoc of each schema key is what an editor shows when hovering a key of comin.config.ts.
 * Checked with the TypeScript language service, as an editor would ask it.
 */
import test from "ava";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const DSL = fileURLToPath(new URL("../../../dsl/index.ts", import.meta.url));

test("hovering keys of defineConfig shows their documentation and @default", async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), "comin-hover-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, "comin.config.ts");
  const text = `import { defineConfig } from ${JSON.stringify(DSL.replace(/\.ts$/, ".js"))};
export default defineConfig({
  remotes: [{ name: "origin", url: "/srv/infra", poll: { interval: "5m" } }],
  reboot: { policy: "never" },
  hosts: { web1: { machineId: null } },
});
`;
  await writeFile(file, text);
  const service = ts.createLanguageService({
    getScriptFileNames: () => [file],
    getScriptVersion: () => "1",
    getScriptSnapshot: (name) => (ts.sys.fileExists(name) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(name) ?? "") : undefined),
    getCurrentDirectory: () => dir,
    getCompilationSettings: () => ({ module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, skipLibCheck: true }),
    getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  });
  const hover = (word: string) => {
    const info = service.getQuickInfoAtPosition(file, text.indexOf(word) + 1);
    return {
      doc: ts.displayPartsToString(info?.documentation ?? []),
      defaultTag: ts.displayPartsToString(info?.tags?.find((tag) => tag.name === "default")?.text ?? []),
    };
  };

  t.regex(hover("interval").doc, /Time between two fetches of this remote/);
  t.is(hover("interval").defaultTag, '"60s"');
  t.regex(hover("policy").doc, /What to do when the machine needs a reboot/);
  t.regex(hover("machineId").doc, /Machine id this host's configuration is pinned to/);
  t.regex(hover("remotes").doc, /Git remotes to poll/);
});
