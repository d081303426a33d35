/** The build-time commands through the real `comin` binary, as a user types them. */
import test from "ava";
import { execa } from "execa";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { CLI } from "../helpers/daemon.js";
import { tempDir } from "../helpers/temp.js";

const CONFIG = `import { defineConfig } from "comin";
export default defineConfig({ remotes: [{ name: "origin", url: "/srv/git/infra.git" }], hosts: { web1: {}, web2: {} } });
`;

test("comin validate without a file validates ./comin.config.ts, like generate", async (t) => {
  const dir = await tempDir(t, "comin-cli-");
  await writeFile(path.join(dir, "comin.config.ts"), CONFIG);

  const result = await execa(process.execPath, [CLI, "validate"], { cwd: dir, reject: false });

  t.is(result.exitCode, 0, result.stderr);
  t.is(result.stdout, "comin.config.ts: ok (2 hosts: web1, web2)");
});

test("comin validate without a file, in a directory without comin.config.ts, says which file is missing", async (t) => {
  const dir = await tempDir(t, "comin-cli-");

  const result = await execa(process.execPath, [CLI, "validate"], { cwd: dir, reject: false });

  t.is(result.exitCode, 78);
  t.is(result.stderr, "comin.config.ts: the file does not exist");
});
