/**
 * Type errors in a user's comin.config.ts land on the wrong key, with the one relevant message
 * (not "No overload matches this call" on `defineConfig`), as the TypeScript language service
 * reports them with comin installed from its tarball.
 */
import test from "ava";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { editorFor, fleetWithPackedComin } from "./editor-helpers.js";


interface Expected {
  line: number;
  text: string;
  message: RegExp;
}

const IMPORT = 'import { defineConfig, type CominUserConfig } from "comin";\n';

const CASES: [title: string, source: string, expected: Expected][] = [
  [
    "a misspelt enum value, on the key",
    `${IMPORT}export default defineConfig({\n  remotes: [{ name: "origin", url: "/srv/infra" }],\n  reboot: { policy: "nevr" },\n  hosts: { web1: {} },\n});\n`,
    { line: 4, text: "policy", message: /^Type '"nevr"' is not assignable to type '"never" \| "notify" \| "when-needed" \| "always" \| undefined'\. Did you mean '"never"'\?$/ },
  ],
  [
    "a misspelt key in a host override, on the key, with a suggestion",
    `${IMPORT}export default defineConfig({\n  remotes: [{ name: "origin", url: "/srv/infra" }],\n  hosts: { web1: { reboot: { polcy: "never" } } },\n});\n`,
    { line: 4, text: "polcy", message: /^Object literal may only specify known properties, but 'polcy' does not exist in type .*Did you mean to write 'policy'\?$/ },
  ],
  [
    "a misspelt top-level key, on the key",
    `${IMPORT}export default defineConfig({\n  remote: [{ name: "origin", url: "/srv/infra" }],\n  hosts: { web1: {} },\n});\n`,
    { line: 3, text: "remote", message: /^Object literal may only specify known properties, and 'remote' does not exist in type 'CominUserConfig \| CominUserConfigFunction'\.$/ },
  ],
  [
    "a missing required key, on the object that lacks it",
    `${IMPORT}export default defineConfig({\n  remotes: [{ name: "origin" }],\n  hosts: { web1: {} },\n});\n`,
    { line: 3, text: '{ name: "origin" }', message: /^Property 'url' is missing in type '\{ name: string; \}' but required in type 'RemoteInput'\.$/ },
  ],
  [
    "a wrong type in a new key (health), on the key",
    `${IMPORT}export default defineConfig({\n  remotes: [{ name: "origin", url: "/srv/infra" }],\n  health: { checks: [{ name: "web", noFailedUnits: "yes" }] },\n  hosts: { web1: {} },\n});\n`,
    { line: 4, text: "noFailedUnits", message: /^Type 'string' is not assignable to type 'boolean \| undefined'\.$/ },
  ],
  [
    "a wrong key in a function with its return type written, on the key",
    `${IMPORT}export default defineConfig((): CominUserConfig => ({\n  remotes: [{ name: "origin", url: "/srv/infra", timeout: true }],\n  hosts: { web1: {} },\n}));\n`,
    { line: 3, text: "timeout", message: /^Type 'true' is not assignable to type 'DurationInput \| undefined'\.$/ },
  ],
  [
    "a wrong value in an async function with its return type written, on the key",
    `${IMPORT}export default defineConfig(async (): Promise<CominUserConfig> => ({\n  remotes: [{ name: "origin", url: "/srv/infra" }],\n  hosts: { web1: { reboot: { policy: "nevr" } } },\n}));\n`,
    { line: 4, text: "policy", message: /^Type '"nevr"' is not assignable to type/ },
  ],
];

test("each type error lands on the key with one message, never on defineConfig", async (t) => {
  const dir = await fleetWithPackedComin(t);
  const files = await Promise.all(
    CASES.map(async ([, source], index) => {
      const file = path.join(dir, `case${index}.ts`);
      await writeFile(file, source);
      return file;
    }),
  );
  const editor = editorFor(files);

  for (const [index, [title, , expected]] of CASES.entries()) {
    const diagnostics = editor.diagnostics(files[index] ?? "");

    t.is(diagnostics.length, 1, `${title}: ${JSON.stringify(diagnostics)}`);
    const [diagnostic] = diagnostics;
    t.is(diagnostic?.line, expected.line, title);
    t.is(diagnostic?.text, expected.text, title);
    t.regex(diagnostic?.message ?? "", expected.message, title);
  }
});

test("an unannotated function's error still names the key, at the function", async (t) => {
  const dir = await fleetWithPackedComin(t);
  const file = path.join(dir, "comin.config.ts");
  await writeFile(file, `${IMPORT}export default defineConfig(() => ({\n  remotes: [{ name: "origin", url: "/srv/infra", timeout: true }],\n  hosts: { web1: {} },\n}));\n`);

  const diagnostics = editorFor([file]).diagnostics(file);

  t.is(diagnostics.length, 1);
  t.regex(diagnostics[0]?.message ?? "", /Types of property 'timeout' are incompatible\.\n\s*Type 'boolean' is not assignable to type 'DurationInput \| undefined'\.$/);
  t.notRegex(diagnostics[0]?.message ?? "", /No overload/);
});
