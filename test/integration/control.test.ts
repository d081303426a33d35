/**
 * The control plane against the real daemon: the CLI client over the Unix socket, suspend/resume
 * across a restart, submit-latest, confirmations, the metrics endpoint (checked by the real
 * promtool) and a signed webhook with polling disabled (behaviour.md §11-13, interfaces.md §4-5).
 */
import test from "ava";
import { createHmac } from "node:crypto";
import { stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { CLI, createMachine, Daemon, deployed, FleetRepo, localRemote, switchCalls, tempDir } from "../helpers/daemon.js";
import { freePort } from "../helpers/temp.js";

function comin(args: string[]) {
  return execa(process.execPath, [CLI, ...args], { reject: false, stdin: "ignore" });
}

test("status in three forms, fetch --wait, and a socket only root can use", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir, { poll: { interval: 0 } })] });
  const first = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "first");
  const daemon = await Daemon.start(t, machine);
  await daemon.waitFor(deployed(first, "switch"), 60_000, "the first deployment");
  const socket = ["--socket", daemon.socket];

  const json = await comin(["status", "--json", ...socket]);
  const oneline = await comin(["status", "--oneline", ...socket]);
  const human = await comin(["status", ...socket]);
  const viaConfig = await comin(["status", "--json", "--config", machine.configFile]);

  t.is(json.exitCode, 0);
  t.is(JSON.parse(json.stdout).deployment.commit, first);
  t.is(JSON.parse(viaConfig.stdout).hostname, "web1");
  t.is(oneline.stdout.split("\n").length, 1);
  t.true(oneline.stdout.includes(first.slice(0, 7)));
  t.regex(human.stdout, /web1/);
  t.regex(human.stdout, /\b(ago|now)\b/, "relative times (Intl says \"now\" within the second)");
  const socketStat = await stat(daemon.socket);
  t.is(socketStat.mode & 0o777, 0o600);
  t.is(socketStat.uid, process.getuid?.() ?? -1, "§13 owned by the daemon's user (root under the module)");
  if (process.getuid?.() === 0) {
    t.is(socketStat.uid, 0, "§13 owned by root");
    const probe = `require("net").connect(process.argv[1]).on("connect", () => { console.log("connected"); process.exit(0); }).on("error", (e) => { console.log(e.code); process.exit(0); })`;
    const asNobody = await execa(process.execPath, ["-e", probe, daemon.socket], { uid: 65534, gid: 65534, reject: false, stdin: "ignore" });
    t.is(asNobody.stdout, "EACCES", "§13 another user cannot reach the daemon");
  }

  const second = await fleet.commit({ web1: machine.host({ variant: "v2" }) }, "second");
  const fetched = await comin(["fetch", "--wait", ...socket]);
  t.is(fetched.exitCode, 0, fetched.stderr);
  t.regex(fetched.stdout, /origin/);
  await daemon.waitFor(deployed(second, "switch"), 60_000, "the fetched commit to deploy (polling is off)");

  // Without flags, the CLI finds the daemon through the configuration it runs with (14.9):
  // COMIN_CONFIG here, /etc/comin/config.json as the NixOS module installs it.
  const noFlags = await execa(process.execPath, [CLI, "status", "--json"], { reject: false, stdin: "ignore", env: { COMIN_CONFIG: machine.configFile } });
  t.is(noFlags.exitCode, 0, noFlags.stderr);
  t.is(JSON.parse(noFlags.stdout).hostname, "web1");

  const missing = await comin(["status", "--socket", path.join(dir, "nope.sock")]);
  t.is(missing.exitCode, 3);
  t.regex(missing.stderr, /not running/);
  t.is((await comin(["status", "--bogus"])).exitCode, 2);
});

test("suspend holds deployments across a restart; resume deploys; submit-latest redeploys", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)] });
  const first = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "first");
  let daemon = await Daemon.start(t, machine);
  await daemon.waitFor(deployed(first, "switch"), 60_000, "the first deployment");

  t.is((await comin(["suspend", "--socket", daemon.socket])).exitCode, 0);
  const again = await comin(["suspend", "--socket", daemon.socket]);
  t.is(again.exitCode, 0, "suspend when suspended is a no-op, not an error");
  t.regex(again.stdout, /^Already suspended: nothing changed/);
  const second = await fleet.commit({ web1: machine.host({ variant: "v2" }) }, "second");
  await daemon.waitFor((s) => s.candidate?.commit === second && s.generation?.commit === second && s.generation.eval.status === "done", 60_000, "the evaluation while suspended");
  await daemon.stop();
  daemon = await Daemon.start(t, machine);
  const held = await daemon.waitFor((s) => s.candidate?.commit === second, 30_000, "the selection after the restart");

  t.true(held.suspended);
  t.is(held.deployment?.commit, first, "nothing deployed while suspended");

  t.is((await comin(["resume", "--socket", daemon.socket])).exitCode, 0);
  await daemon.waitFor(deployed(second, "switch"), 60_000, "the deployment after resume");
  const running = await comin(["resume", "--socket", daemon.socket]);
  t.is(running.exitCode, 0, "resume when running is a no-op, not an error");
  t.regex(running.stdout, /^Not suspended: nothing changed/);

  const before = (await switchCalls(machine)).length;
  const submitted = await comin(["deployment", "submit-latest", "--operation", "test", "--socket", daemon.socket]);
  t.is(submitted.exitCode, 0, submitted.stderr);
  await daemon.waitFor(deployed(second, "test"), 60_000, "the resubmitted deployment");
  t.is((await switchCalls(machine)).length, before + 1);
});

test("manual confirmations wait for `comin confirmation accept`", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], confirm: { deploy: { mode: "manual" } } });
  const first = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "first");
  const daemon = await Daemon.start(t, machine);

  const waiting = await daemon.waitFor((s) => s.confirmations.length === 1, 60_000, "the pending confirmation");
  t.is(waiting.confirmations[0]?.stage, "deploy");
  t.is(waiting.deployment, null);
  const shown = await comin(["confirmation", "show", "--socket", daemon.socket]);
  t.regex(shown.stdout, /deploy/);

  t.is((await comin(["confirmation", "accept", "--socket", daemon.socket])).exitCode, 0);
  await daemon.waitFor(deployed(first, "switch"), 60_000, "the deployment after the confirmation");
});

test("the metrics endpoint passes promtool and counts fetches", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const port = await freePort();
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], exporter: { listenAddress: "127.0.0.1", port } });
  const first = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "first");
  const daemon = await Daemon.start(t, machine);
  await daemon.waitFor(deployed(first, "switch"), 60_000, "the first deployment");

  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const promtool = await execa("promtool", ["check", "metrics"], { input: text, reject: false });

  t.is(promtool.exitCode, 0, `${promtool.stdout}${promtool.stderr}`);
  t.regex(text, new RegExp(`comin_deployment_info\\{commit_id="${first}",status="done"\\} 1`));
  t.regex(text, /comin_fetch_count\{remote_name="origin",status="succeeded"\} [1-9]/);
  t.regex(text, /comin_is_suspended 0/);
  t.regex(text, /comin_need_to_reboot 0/);
});

test("push → signed webhook → deployed, with polling disabled; a forged one is refused", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const port = await freePort();
  const secretFile = path.join(dir, "webhook-secret");
  await writeFile(secretFile, "s3cret-value\n", { mode: 0o600 });
  const machine = await createMachine(dir, "web1", {
    remotes: [localRemote("origin", fleet.dir, { poll: { interval: 0 } })],
    webhook: { listenAddress: "127.0.0.1", port, secretFile },
  });
  const first = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "first");
  const daemon = await Daemon.start(t, machine);
  await daemon.waitFor(deployed(first, "switch"), 60_000, "the start-up fetch");
  const second = await fleet.commit({ web1: machine.host({ variant: "v2" }) }, "second");
  const body = JSON.stringify({ ref: "refs/heads/main", after: "0".repeat(40), repository: { clone_url: fleet.dir } });
  const send = (signature: string) =>
    fetch(`http://127.0.0.1:${port}/`, { method: "POST", body, headers: { "content-type": "application/json", "x-github-event": "push", "x-hub-signature-256": signature } });

  const forged = await send(`sha256=${createHmac("sha256", "wrong").update(body).digest("hex")}`);
  t.is(forged.status, 401);

  const accepted = await send(`sha256=${createHmac("sha256", "s3cret-value").update(body).digest("hex")}`);
  t.is(accepted.status, 202);
  await daemon.waitFor(deployed(second, "switch"), 60_000, "the webhook-triggered deployment");
  t.false(daemon.lines.some((line) => line.includes("s3cret-value")), "the secret never reaches the log");
});
