/**
 * `comin run` refuses a bad configuration with every problem listed and exit 78 (EX_CONFIG),
 * before touching anything.
 */
import test from "ava";
import { access, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { CLI, tempDir } from "../helpers/daemon.js";

test("an invalid runtime config lists every problem and exits 78 without creating the state dir", async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, "bad.json");
  const stateDir = path.join(dir, "state");
  await writeFile(file, JSON.stringify({ schemaVersion: 1, hostname: "web_1", stateDir, remotes: [{ name: "origin", url: "/srv/x", poll: { intervall: 5 } }], reboot: { policy: "sometimes" } }));

  const result = await execa(process.execPath, [CLI, "run", "--config", file], { reject: false, stdin: "ignore" });

  t.is(result.exitCode, 78);
  t.regex(result.stderr, /bad\.json: hostname: invalid host name "web_1"/);
  t.regex(result.stderr, /remotes\[0\]\.poll\.intervall: unknown key "intervall" \(did you mean "interval"\?\)/);
  t.regex(result.stderr, /reboot\.policy: invalid value "sometimes"/);
  await t.throwsAsync(access(stateDir));
});

test("a config file that is not JSON, or missing, is one clear error with exit 78", async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, "broken.json");
  await writeFile(file, "{ nope");

  const broken = await execa(process.execPath, [CLI, "run", "--config", file], { reject: false, stdin: "ignore" });
  const missing = await execa(process.execPath, [CLI, "run", "--config", path.join(dir, "absent.json")], { reject: false, stdin: "ignore" });

  t.is(broken.exitCode, 78);
  t.regex(broken.stderr, /broken\.json: \(top level\): invalid JSON/);
  t.is(missing.exitCode, 78);
  t.regex(missing.stderr, /absent\.json: \(top level\): the file does not exist/);
});

test("`comin run` without --config is a usage error (exit 2)", async (t) => {
  const result = await execa(process.execPath, [CLI, "run"], { reject: false, stdin: "ignore" });

  t.is(result.exitCode, 2);
  t.regex(result.stderr, /--config/);
});
