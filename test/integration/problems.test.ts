/**
 * `comin status` does not hide refusals or failures (issue 14.4): after an unsigned push, a
 * force-push and a failed build, the real daemon's status shows a Problems block and exits 1,
 * `--oneline` loses its green tick, and `fetch --wait` says per branch what changed or why it was
 * refused and exits 1. Once a good commit deploys, everything is green and exits 0 again.
 */
import path from "node:path";
import test from "ava";
import { execa } from "execa";
import { notSigned } from "../../runtime/selection.js";
import { CLI, createMachine, Daemon, deployed, FleetRepo, git, localRemote, tempDir } from "../helpers/daemon.js";
import { createSshKey, writeAllowedSigners } from "../helpers/git.js";

function comin(args: string[]) {
  return execa(process.execPath, [CLI, ...args], { reject: false, stdin: "ignore", stripFinalNewline: false });
}

test("refusals and failures reach the summary, --oneline, fetch --wait and the exit codes", async (t) => {
  const dir = await tempDir(t);
  const alice = await createSshKey(dir, "alice@example.test");
  const allowed = await writeAllowedSigners(path.join(dir, "allowed_signers"), [alice]);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir, { poll: { interval: 0 } })], signatures: { sshAllowedSignersFile: allowed } });
  const signed = await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "signed", "main", alice);
  const daemon = await Daemon.start(t, machine);
  await daemon.waitFor(deployed(signed, "switch"), 60_000, "the signed commit to deploy");
  const socket = ["--socket", daemon.socket];
  const green = await comin(["status", "--oneline", ...socket]);
  t.is(green.exitCode, 0);
  t.regex(green.stdout, /^✓ origin\/main/);

  const unsigned = await fleet.commit({ web1: machine.host({ variant: "v2" }) }, "unsigned");
  const fetchUnsigned = await comin(["fetch", "--wait", ...socket]);
  const status = await comin(["status", ...socket]);
  const oneline = await comin(["status", "--oneline", ...socket]);

  t.is(fetchUnsigned.exitCode, 1, fetchUnsigned.stdout);
  t.is(fetchUnsigned.stdout, `✗ origin: fetched, but a head was refused\n    main          ${unsigned.slice(0, 7)} refused: ${notSigned(unsigned)}\n    testing-web1  absent\n`);
  t.is(status.exitCode, 1);
  t.regex(status.stdout, new RegExp(`^Problems\\n  ✗ origin/main: ${notSigned(unsigned)}$`, "m"));
  t.regex(status.stdout, /^ {2}origin\/main [0-9a-f]{7}, signed by alice@example\.test$/m, "the candidate (still the signed commit) in the same words");
  t.regex(status.stdout, /^Pending\n {2}nothing \(1 problem above\)$/m);
  t.is(oneline.exitCode, 1);
  t.regex(oneline.stdout, /^⚠ origin\/main [0-9a-f]{7} .*⚠ refused: origin\/main$/m);
  t.false(oneline.stdout.includes("✓"));

  const rewritten = await git(fleet.dir, ["commit-tree", `${signed}^{tree}`, "-m", "rewritten history"]);
  await fleet.setBranch("main", rewritten);
  const fetchReset = await comin(["fetch", "--wait", ...socket]);
  t.is(fetchReset.exitCode, 1);
  t.regex(fetchReset.stdout, new RegExp(`main {10}${rewritten.slice(0, 7)} refused: main was reset: ${rewritten} is not on top of ${signed}`));

  await fleet.setBranch("main", signed);
  const broken = await fleet.commit({ web1: machine.host({ variant: "v3", buildFails: true }) }, "breaks the build", "main", alice);
  const fetchBroken = await comin(["fetch", "--wait", ...socket]);
  t.is(fetchBroken.exitCode, 0, "the fetch itself went well");
  t.is(fetchBroken.stdout, `✓ origin: fetched\n    main          new head ${broken.slice(0, 7)} (was ${rewritten.slice(0, 7)})\n    testing-web1  absent\n`);
  await daemon.waitFor((s) => s.generation?.commit === broken && s.generation.build.status === "failed", 60_000, "the build to fail");
  const failed = await comin(["status", ...socket]);
  t.is(failed.exitCode, 1);
  t.regex(failed.stdout, new RegExp(`^  ✗ origin/main ${broken.slice(0, 7)}: build failed: `, "m"));

  const fixed = await fleet.commit({ web1: machine.host({ variant: "v4" }) }, "fixed", "main", alice);
  await comin(["fetch", "--wait", ...socket]);
  await daemon.waitFor(deployed(fixed, "switch"), 60_000, "the fixed commit to deploy");
  const healthy = await comin(["status", ...socket]);
  t.is(healthy.exitCode, 0, healthy.stdout);
  t.notRegex(healthy.stdout, /Problems/);
  t.regex(healthy.stdout, new RegExp(`^ {2}reason {3}new commit ${fixed.slice(0, 7)} on origin/main$`, "m"), "the deployment says what changed (14.6)");
});
