/**
 * Values from a repository or a remote reach the terminal with their control characters made
 * visible (issue 9.3): a commit message with ESC/OSC/CR/BEL, a branch name with a C1 control and
 * a failing remote whose error carries them, through the real daemon and the real CLI.
 */
import test from "ava";
import path from "node:path";
import { execa } from "execa";
import { CLI, createMachine, Daemon, FleetRepo, localRemote, tempDir } from "../helpers/daemon.js";

// OSC 0 (window title) ended by BEL, a clear-screen CSI, a carriage return that would overwrite the line.
const HOSTILE_MESSAGE = "deploy \u001b]0;pwned\u0007 now \u001b[2J\rFAKE OK";
// U+009B is CSI in its C1 form: git accepts it in a branch name (bytes C2 9B).
const HOSTILE_BRANCH = "testing-\u009b31m";
// Anything a terminal would act upon: C0 but the newline, DEL, C1.
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

function comin(args: string[]) {
  return execa(process.execPath, [CLI, ...args], { reject: false, stdin: "ignore", stripFinalNewline: false });
}

test("status, --oneline, fetch --wait, deployment list and --json never print a raw control character from a repository or remote", async (t) => {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const ghostUrl = path.join(dir, "no\u001b[2Jwhere");
  const machine = await createMachine(dir, "web1", {
    remotes: [
      localRemote("origin", fleet.dir, { poll: { interval: 0 }, branches: { testing: { name: HOSTILE_BRANCH, operation: "test" } } }),
      localRemote("ghost", ghostUrl, { poll: { interval: 0 } }),
    ],
  });
  await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "first");
  const testing = await fleet.commit({ web1: machine.host({ variant: "v2" }) }, HOSTILE_MESSAGE, HOSTILE_BRANCH);
  const daemon = await Daemon.start(t, machine);
  await daemon.waitFor((s) => s.deployment?.commit === testing && s.deployment.status === "done", 60_000, "the testing commit to deploy");
  const socket = ["--socket", daemon.socket];

  const outputs = {
    status: await comin(["status", ...socket]),
    oneline: await comin(["status", "--oneline", ...socket]),
    fetch: await comin(["fetch", "--wait", ...socket]),
    list: await comin(["deployment", "list", ...socket]),
    json: await comin(["status", "--json", ...socket]),
  };

  for (const [name, result] of Object.entries(outputs)) {
    t.notRegex(result.stdout + result.stderr, RAW_CONTROL, `${name} prints a raw control character`);
  }
  t.true(outputs.status.stdout.includes("deploy \\x1b]0;pwned\\x07 now \\x1b[2J\\rFAKE OK"), outputs.status.stdout);
  t.true(outputs.status.stdout.includes("testing-\\x9b31m"), "the branch name in the remote block");
  t.true(outputs.oneline.stdout.includes("origin/testing-\\x9b31m"), outputs.oneline.stdout);
  t.true(outputs.list.stdout.includes("origin/testing-\\x9b31m"), outputs.list.stdout);
  t.true(outputs.fetch.stdout.includes("no\\x1b[2Jwhere") || outputs.fetch.stdout.includes("no?[2Jwhere"), outputs.fetch.stdout);
  t.true(outputs.status.stdout.includes(`${dir}/no\\x1b[2Jwhere`), "the remote's URL in the remote block");
  const json = JSON.parse(outputs.json.stdout) as { candidate: { message: string; branch: string } };
  t.is(json.candidate.message.trim(), HOSTILE_MESSAGE, "--json keeps the value, escaped the JSON way");
  t.is(json.candidate.branch, HOSTILE_BRANCH);
});
