/**
 * The real daemon against hostile or damaged state files (behaviour.md §9): whatever sits at
 * `<stateDir>/state.json`, the daemon starts, says loudly what it did with the file, answers its
 * status, and keeps persisting its state.
 */
import test, { type ExecutionContext } from "ava";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { readStateFile } from "../../runtime/state/read.js";
import { emptyState, type State } from "../../runtime/state/store.js";
import { validateStateText } from "../../runtime/state/validate.js";
import { sampleGeneration } from "../helpers/fake-controller.js";
import { createMachine, Daemon, FleetRepo, localRemote, tempDir, type Machine, type Teardown } from "../helpers/daemon.js";
import { waitFor } from "../helpers/git.js";

interface Setup {
  machine: Machine;
  file: string;
  /** The fleet's only commit. */
  commit: string;
}

async function setup(t: Teardown): Promise<Setup> {
  const dir = await tempDir(t);
  const fleet = await FleetRepo.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "web1", { remotes: [localRemote("origin", fleet.dir)] });
  const commit = await fleet.commit({ web1: machine.host() }, "first");
  return { machine, file: path.join(machine.stateDir, "state.json"), commit };
}

/** The state on disk, when it is a whole valid state without unknown keys. */
async function stateOnDisk(file: string): Promise<State | null> {
  const read = await readStateFile(file);
  if (read.kind !== "text") return null;
  const validated = validateStateText(read.text);
  return validated.ok && validated.droppedKeys.length === 0 ? validated.state : null;
}

/** Status answers 200, and a change made through the API reaches state.json. */
async function assertStillPersisting(t: ExecutionContext, daemon: Daemon, file: string): Promise<void> {
  t.is((await daemon.call("GET", "/v1/status")).status, 200);
  t.is((await daemon.call("POST", "/v1/suspend", {})).status, 200);
  await waitFor(async () => (await stateOnDisk(file))?.suspended === true, { message: "the suspension never reached state.json" });
}

function logLine(daemon: Daemon, level: string, pattern: RegExp): Record<string, unknown> | undefined {
  return daemon.lines
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    })
    .find((entry) => entry.level === level && pattern.test(JSON.stringify(entry)));
}

const hostileFiles: [string, (file: string, setup: Setup) => Promise<void>, RegExp][] = [
  [
    "a record missing fields",
    async (file) => {
      const { eval: _eval, ...generation } = sampleGeneration();
      await writeFile(file, JSON.stringify({ ...emptyState(), generations: [generation] }));
    },
    /generations\.0\.eval/,
  ],
  ["a directory", (file) => mkdir(path.join(file, "inside"), { recursive: true }).then(() => {}), /not a regular file but a directory/],
  ["a 17 MiB file", (file) => writeFile(file, `"${"x".repeat(17 * 1024 * 1024)}"`), /larger than 16 MiB/],
  [
    "an unknown key holding JSON nested 100 000 levels deep",
    (file, { commit }) => writeFile(file, JSON.stringify({ ...emptyState(), baseline: commit, deep: "X" }).replace('"X"', `${"[".repeat(100_000)}${"]".repeat(100_000)}`)),
    /nested deeper than 32 levels/,
  ],
];

for (const [what, write, reason] of hostileFiles) {
  test(`state.json as ${what}: the daemon moves it aside loudly, answers its status and saves again`, async (t) => {
    const { machine, file, commit } = await setup(t);
    await write(file, { machine, file, commit });

    const daemon = await Daemon.start(t, machine);

    await assertStillPersisting(t, daemon, file);
    const logged = logLine(daemon, "error", /state file is corrupt/);
    t.regex(String(logged?.reason), reason);
    t.regex(String(logged?.msg), /baseline is lost/);
    const aside = (await readdir(machine.stateDir)).filter((name) => name.startsWith("state.json.corrupt-"));
    t.is(aside.length, 1);
  });
}

test("state.json with unknown keys, deep inside: the daemon drops them with a warning, keeps the baseline and saves again", async (t) => {
  const { machine, file, commit } = await setup(t);
  const lastFetch = { origin: { at: "2026-06-20T10:00:00.000Z", ok: true, error: null, fromANewerAgent: { a: { b: { c: [1, [2]] } } } } };
  await writeFile(file, JSON.stringify({ ...emptyState(), baseline: commit, lastFetch, quarantine: [] }));

  const daemon = await Daemon.start(t, machine);

  await assertStillPersisting(t, daemon, file);
  t.is((await stateOnDisk(file))?.baseline, commit);
  t.regex(String(logLine(daemon, "warn", /keys this agent does not know/)?.keys), /lastFetch\.origin\.fromANewerAgent/);
  const copies = (await readdir(machine.stateDir)).filter((name) => name.startsWith("state.json.unknown-keys-"));
  t.is(copies.length, 1);
  t.regex(await readFile(path.join(machine.stateDir, copies[0] ?? "?"), "utf8"), /fromANewerAgent/);
});

test("a save that fails while the daemon runs is logged as an error and retried until it lands", async (t) => {
  const { machine, file } = await setup(t);
  const daemon = await Daemon.start(t, machine);
  await waitFor(async () => (await stateOnDisk(file)) !== null, { message: "no state.json after start-up" });
  // A directory where the file was: every save fails (EISDIR). The daemon may write the file again
  // between the removal and the mkdir (a late save of its start-up): then try again.
  for (let attempt = 1; ; attempt++) {
    await rm(file, { recursive: true, force: true });
    const made = await mkdir(file).then(() => true, (error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST" || attempt >= 20) throw error;
      return false;
    });
    if (made) break;
  }
  await mkdir(path.join(file, "blocker"));

  t.is((await daemon.call("POST", "/v1/suspend", {})).status, 200);
  await waitFor(() => logLine(daemon, "error", /cannot write the state file/) !== undefined, { message: "the failed save was not logged" });
  await rm(file, { recursive: true });

  await waitFor(async () => (await stateOnDisk(file))?.suspended === true, { message: "the failed save was never retried" });
  t.regex(String(logLine(daemon, "error", /cannot write the state file/)?.error), /EISDIR/);
  t.is((await daemon.call("GET", "/v1/status")).status, 200);
});
