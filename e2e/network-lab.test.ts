/**
 * The lab itself: nodes reach each other over the bridge and nothing else, a pulled cable cuts a
 * node off, destroying a lab leaves no namespace or process behind, and the start-up sweep removes
 * what dead runs left while sparing live ones.
 */
import test from "ava";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { execa } from "execa";
import { tempDir } from "../test/helpers/daemon.js";
import { waitFor } from "../test/helpers/git.js";
import { processRunning } from "../test/helpers/nix.js";
import { GitServer } from "./git-server.js";
import { LAB_PREFIX, NetworkLab, sweepLeftoverLabs, type LabNode } from "./network-lab.js";
import { registerLabHooks } from "./scenario.js";

registerLabHooks(test);

const namespaces = async () => (await execa("ip", ["netns", "list"])).stdout.split("\n").map((line) => line.split(" ")[0] ?? "");

/** Exit code of `git ls-remote` of the server's repository, run on `from` (5 s at most). */
async function lsRemote(lab: NetworkLab, from: LabNode, server: GitServer): Promise<number | undefined> {
  const [file, args] = lab.command(from, "git", ["ls-remote", server.url]);
  return (await execa(file, args, { reject: false, stdin: "ignore", timeout: 5_000 })).exitCode;
}

test("nodes talk over the bridge; a pulled cable cuts one off; destroy removes namespaces and processes", async (t) => {
  const dir = await tempDir(t, `${LAB_PREFIX}${process.pid}-`);
  const lab = await NetworkLab.create(t);
  const [serverNode, client] = await Promise.all([lab.addNode("server"), lab.addNode("client")]);
  const server = await GitServer.start(lab, serverNode, path.join(dir, "server"));

  t.is(await lsRemote(lab, client, server), 0, "the client reaches the server");
  t.false((await execa("ip", ["-o", "addr", "show"])).stdout.includes(serverNode.address), "the address exists only inside the lab");

  await lab.setLink(client, "down");
  t.not(await lsRemote(lab, client, server), 0, "no connection without the cable");
  await lab.setLink(client, "up");
  await waitFor(async () => (await lsRemote(lab, client, server)) === 0, { message: "the connection did not come back with the cable" });

  const pids = (await execa("ip", ["netns", "pids", serverNode.netns])).stdout.split("\n").filter(Boolean).map(Number);
  t.true(pids.length > 0, "git daemon runs in the server's namespace");
  await lab.destroy();
  t.false((await namespaces()).some((name) => name.startsWith(lab.id)));
  await waitFor(async () => !(await Promise.all(pids.map(processRunning))).includes(true), { timeoutMs: 5_000, message: "processes of the destroyed lab still run" });
});

test("the start-up sweep removes the namespaces of dead runs and keeps those of live ones", async (t) => {
  // A prefix of its own, so that the sweeps of other test files running now leave these alone.
  const prefix = `${LAB_PREFIX}sweep${randomBytes(3).toString("hex")}-`;
  const dead = execa("true");
  await dead;
  const stale = `${prefix}${String(dead.pid)}-000000-switch`;
  const live = `${prefix}${process.pid}-000000-switch`;
  for (const name of [stale, live]) {
    await execa("ip", ["netns", "add", name]);
    t.teardown(() => execa("ip", ["netns", "del", name], { reject: false }).then(() => undefined));
  }
  const orphan = execa("ip", ["netns", "exec", stale, "sleep", "300"], { reject: false, stdin: "ignore" });
  await waitFor(async () => (await execa("ip", ["netns", "pids", stale])).stdout.split("\n").includes(String(orphan.pid)), {
    message: "the orphan process to enter the stale namespace",
  });

  const swept = await sweepLeftoverLabs(prefix);

  t.deepEqual(swept, [stale]);
  t.is((await orphan).signal, "SIGKILL", "the process left in the stale namespace was killed");
  const remaining = await namespaces();
  t.false(remaining.includes(stale));
  t.true(remaining.includes(live));
});
