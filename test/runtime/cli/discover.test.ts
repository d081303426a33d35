import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test, { type ExecutionContext } from "ava";
import { DEFAULT_SOCKET, discoverSocket, INSTALLED_CONFIG } from "../../../runtime/cli/discover.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

async function config(t: ExecutionContext, socket: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "comin-discover-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, "config.json");
  await writeFile(file, JSON.stringify({ schemaVersion: 1, hostname: "web1", stateDir: dir, remotes: [{ name: "origin", url: "/srv/git/infra.git" }], paths: { socket } }));
  return file;
}

test("the installed configuration locates the socket when no flag is given; flags and COMIN_CONFIG come first", async (t) => {
  const installed = await config(t, "/run/comin-installed.sock");
  const fromEnv = await config(t, "/run/comin-env.sock");
  const flagged = await config(t, "/run/comin-flag.sock");

  t.is(await discoverSocket({}, {}, installed), "/run/comin-installed.sock");
  t.is(await discoverSocket({}, { COMIN_CONFIG: fromEnv }, installed), "/run/comin-env.sock");
  t.is(await discoverSocket({ config: flagged }, { COMIN_CONFIG: fromEnv }, installed), "/run/comin-flag.sock");
  t.is(await discoverSocket({ socket: "/s.sock", config: flagged }, {}, installed), "/s.sock");
  t.is(await discoverSocket({}, {}, path.join(os.tmpdir(), "absent-comin-config.json")), DEFAULT_SOCKET);
});

test("the NixOS module installs the service's configuration where the CLI looks for it", async (t) => {
  const module = await readFile(path.join(ROOT, "nix/module.nix"), "utf8");

  t.is(INSTALLED_CONFIG, "/etc/comin/config.json");
  t.regex(module, /environment\.etc\."comin\/config\.json"\.source = runtimeConfigFile;/);
  t.regex(module, /ExecStart = "\$\{cfg\.package\}\/libexec\/comin\/comin-daemon run --config \$\{runtimeConfigFile\}/, "the same file the service runs with");
});
