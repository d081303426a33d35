/**
 * The daemon's logs for people (issue 14.8), from the real process: text by default, journald
 * priority prefixes under systemd (`JOURNAL_STREAM`), no colour in a pipe, JSON on request.
 */
import path from "node:path";
import test from "ava";
import { createMachine, Daemon, deployed, FleetRepo, localRemote, tempDir } from "../helpers/daemon.js";

/** The helper starts daemons with `--log-format json`; these tests choose their own format. */
const withFormat = (format: string | null) => (file: string, args: string[]): [string, string[]] => [file, [...args.slice(0, -2), ...(format ? ["--log-format", format] : [])]];

async function started(t: Parameters<typeof tempDir>[0], env: Record<string, string>, format: string | null) {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  // A branch name with a C1 control (CSI), logged with the selected candidate.
  const branch = "testing-\u009b31m";
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir, { poll: { interval: 0 }, branches: { testing: { name: branch, operation: "test" } } })] });
  await fleet.commit({ web1: machine.host({ variant: "v1" }) }, "first");
  const testing = await fleet.commit({ web1: machine.host({ variant: "v2" }) }, "on testing", branch);
  // GIT_SSL_NO_VERIFY makes the daemon warn at start-up: one warning to look for.
  const daemon = await Daemon.start(t, machine, { GIT_SSL_NO_VERIFY: "1", ...env }, withFormat(format));
  await daemon.waitFor(deployed(testing, "test"), 60_000, "the testing deployment");
  return daemon;
}

test("under systemd (JOURNAL_STREAM), text lines carry journald priorities and no time: journalctl -p warning sees exactly warnings and errors", async (t) => {
  const daemon = await started(t, { JOURNAL_STREAM: "8:12345", NO_COLOR: "" }, null);

  const lines = daemon.lines.filter(Boolean);

  t.true(lines.every((line) => /^<[3467]>\S/.test(line)), lines.join("\n"));
  t.true(lines.some((line) => line.startsWith("<4>git's TLS certificate checks are off")), "the warning is priority 4");
  t.true(lines.some((line) => line.startsWith("<6>starting ")), "info is priority 6");
  t.false(lines.some((line) => /^<[0-4]>/.test(line) && !/^<4>git's TLS/.test(line)), "nothing else reaches -p warning");
});

test("text by default in a pipe: a time, the level, no colour, control characters from the repository made visible", async (t) => {
  const daemon = await started(t, { JOURNAL_STREAM: "" }, null);

  const lines = daemon.lines.filter(Boolean);

  t.true(lines.every((line) => /^\d{4}-\d\d-\d\dT[\d:.]+Z (DEBUG|INFO |WARN |ERROR) \S/.test(line)), lines.join("\n"));
  t.false(lines.some((line) => /[\u0000-\u001f\u007f-\u009f]/.test(line)), "no escape sequence: no colour, no raw control character");
  t.true(lines.some((line) => line.includes("candidate.branch=testing-\\x9b31m")), "the branch name's control character is shown, not sent");
});

test("--log-format json: one object a line, for log shippers", async (t) => {
  const daemon = await started(t, { JOURNAL_STREAM: "8:12345" }, "json");

  const entries = daemon.lines.filter(Boolean).map((line) => JSON.parse(line) as { level: string; msg: string });

  t.true(entries.some((entry) => entry.level === "warn" && entry.msg === "git's TLS certificate checks are off"));
});
