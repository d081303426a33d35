/**
 * Serial: each test writes a script and executes it at once; a concurrent spawn in this process
 * could inherit the script's still-open write descriptor and make the exec fail with ETXTBSY.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import test from "ava";
import { createLogger } from "../../../runtime/log.js";
import { POST_DEPLOYMENT_VARIABLES, runPostDeploymentCommand } from "../../../runtime/deploy/deployer.js";
import { tempDir } from "../../helpers/nix.js";
import { writeExecutable } from "../../helpers/temp.js";

const ENV: Record<(typeof POST_DEPLOYMENT_VARIABLES)[number], string> = {
  COMIN_GIT_SHA: "0123456789abcdef0123456789abcdef01234567",
  COMIN_GIT_REF: "origin/main",
  COMIN_GIT_MSG: "web1: enable the firewall\n\nwith a body; and 'quotes' $HOME",
  COMIN_HOSTNAME: "web1",
  COMIN_GENERATION: "6f1c2f0e-4f7d-4e0b-9a8e-2d7f0c1b2a3c",
  COMIN_OPERATION: "switch",
  COMIN_STATUS: "failed",
  COMIN_ERROR_MSG: "switch-to-configuration switch failed (exit code 1)",
  COMIN_FLAKE_URL: "git+file:///var/lib/comin/repository?dir=.&ref=refs/heads/comin/candidate&rev=0123456789abcdef0123456789abcdef01234567",
  COMIN_HEALTH: "failed",
};

async function script(dir: string, name: string, body: string): Promise<string> {
  const file = path.join(dir, name);
  await writeExecutable(file, `#!/bin/sh\n${body}\n`);
  return file;
}

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  return { lines, log: createLogger({ level: "debug", write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }) };
}

test.serial("the command receives every COMIN_* variable, and the agent's environment", async (t) => {
  const dir = await tempDir(t);
  const dump = path.join(dir, "env.json");
  // node prints the environment as JSON: exact values, newlines included.
  const command = await script(dir, "post", `exec "${process.execPath}" -e 'require("fs").writeFileSync(process.argv[1], JSON.stringify(process.env))' "${dump}"`);
  const { lines, log } = capturingLogger();

  await runPostDeploymentCommand(command, ENV, log);

  const received = JSON.parse(await readFile(dump, "utf8")) as Record<string, string>;
  for (const [name, value] of Object.entries(ENV)) t.is(received[name], value, name);
  t.is(received.PATH, process.env.PATH, "the agent's environment is passed on");
  t.true(lines.some((line) => line.msg === "post-deployment command done"));
  t.false(lines.some((line) => line.msg === "post-deployment command: variables missing from its environment"));
});

test.serial("a failing command is logged with its output and does not throw", async (t) => {
  const dir = await tempDir(t);
  const command = await script(dir, "post", 'echo "notifier unreachable" >&2; exit 7');
  const { lines, log } = capturingLogger();

  await t.notThrowsAsync(runPostDeploymentCommand(command, ENV, log));

  const failure = lines.find((line) => line.msg === "post-deployment command failed");
  t.is(failure?.level, "error");
  t.regex(String(failure?.error), /exit code 7.*notifier unreachable/s);
  t.true(lines.some((line) => line.msg === "post-deployment command output" && line.line === "notifier unreachable"));
});

test.serial("a command that does not exist is logged and does not throw", async (t) => {
  const { lines, log } = capturingLogger();

  await t.notThrowsAsync(runPostDeploymentCommand("/nonexistent/post-deploy", ENV, log));

  t.true(lines.some((line) => line.msg === "post-deployment command failed"));
});

test.serial("a relative command is refused without running anything", async (t) => {
  const dir = await tempDir(t);
  const marker = path.join(dir, "ran");
  const command = await script(dir, "post", `touch ${marker}`);
  const { lines, log } = capturingLogger();

  await runPostDeploymentCommand(path.relative(process.cwd(), command), ENV, log);

  t.true(lines.some((line) => line.msg === "post-deployment command not run: it must be an absolute path"));
  await t.throwsAsync(readFile(marker));
});

test.serial("missing documented variables are reported", async (t) => {
  const dir = await tempDir(t);
  const command = await script(dir, "post", "exit 0");
  const { lines, log } = capturingLogger();
  const { COMIN_FLAKE_URL: _, ...partial } = ENV;

  await runPostDeploymentCommand(command, partial, log);

  const warning = lines.find((line) => line.msg === "post-deployment command: variables missing from its environment");
  t.deepEqual(warning?.missing, ["COMIN_FLAKE_URL"]);
});
