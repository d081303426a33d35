/**
 * Two races of the agent's core, against the real daemon: a reboot must wait until a deployment has
 * completely finished (its post-deployment command included, behaviour.md §7.6, §8), and the
 * retention at start-up must know the booted system before it trims the history (§9).
 */
import { chmod, readFile, realpath, writeFile } from "node:fs/promises";
import path from "node:path";
import test from "ava";
import { STATE_VERSION } from "../../runtime/state/state.js";
import type { DeploymentRecord } from "../../runtime/types.js";
import { createMachine, Daemon, deployed, FleetRepo, localRemote, tempDir } from "../helpers/daemon.js";

async function script(file: string, body: string): Promise<string> {
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}

async function waitForFile(file: string, pattern: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(file, "utf8").catch(() => "");
    if (pattern.test(text) || Date.now() > deadline) return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("§8 a reboot waits until the deployment has finished, its slow post-deployment command included (longer than the 10 s window re-check)", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const events = path.join(dir, "events.log");
  await writeFile(events, "");
  const reboot = await script(path.join(dir, "reboot.sh"), `echo reboot >> ${events}`);
  const post = await script(path.join(dir, "post.sh"), `echo post-start >> ${events}\nsleep 12\necho post-end >> ${events}`);
  const machine = await createMachine(dir, "web1", {
    remotes: [localRemote("origin", fleet.dir)],
    reboot: { policy: "when-needed", command: [reboot] },
    postDeploymentCommand: post,
  });
  const newKernel = await fleet.commit({ web1: machine.host({ variant: "v2", kernel: "kernel-2" }) }, "new kernel");

  const daemon = await Daemon.start(t, machine);
  await daemon.waitFor(deployed(newKernel, "switch"), 60_000, "the deployment of the new kernel");
  const text = await waitForFile(events, /reboot/, 40_000);

  t.deepEqual(text.trim().split("\n"), ["post-start", "post-end", "reboot"]);
});

test("§9 at start-up the deployment of the booted system is kept by retention, however old", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)], retention: { bootEntries: 1, successful: 1, any: 1 } });
  await fleet.commit({ web1: machine.host({ variant: "v2" }) }, "v2");
  const booted = await realpath(machine.paths.bootedSystem);
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
  const record = (id: string, outPath: string, minute: number): DeploymentRecord => ({
    kind: "deployment", id, generationId: null, commit: null, remote: "origin", branch: "main", message: null, operation: "switch",
    operationSubmitted: "switch", reason: null, status: "done", outPath, profilePath: null, createdAt: at(minute), startedAt: at(minute), endedAt: at(minute), error: null,
    previousOutPath: null, health: { status: "skipped", checks: [] }, rollback: null,
  });
  const history = [record("booted", booted, 0), ...[1, 2, 3, 4].map((n) => record(`later-${n}`, `/nix/store/${String(n).repeat(32)}-nixos-system-web1`, n))];
  const state = { schemaVersion: STATE_VERSION, baseline: null, candidate: null, branches: {}, lastFetch: {}, generations: [], deployments: history, suspended: true, retry: null, rebootAttempt: null };
  await writeFile(path.join(machine.stateDir, "state.json"), JSON.stringify(state));

  const daemon = await Daemon.start(t, machine);
  await daemon.waitFor((s) => s.remotes[0]?.lastFetch?.ok === true, 30_000, "the first fetch round");
  const ids = (await daemon.deployments()).map((entry) => entry.id);

  t.true(ids.includes("booted"), `the booted system's deployment is kept (kept: ${ids.join(", ")})`);
  t.false(ids.includes("later-1"), "retention did run");
});
