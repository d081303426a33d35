/**
 * Crash safety of the state file (behaviour.md §9) by fault injection: a real process saving large
 * states through the real store is SIGKILLed at random instants, many times over; what is left
 * must always be a whole state, the old one or the new one.
 */
import { spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { silentLogger } from "../../../runtime/log.js";
import { StateStore } from "../../../runtime/state/store.js";
import { tempDir } from "../../helpers/temp.js";

const SAVE_LOOP = fileURLToPath(new URL("../../helpers/state-save-loop.js", import.meta.url));
/** Large enough that writing it takes a while (an in-place write is torn for that long). */
const MESSAGE_BYTES = 4 * 1024 * 1024;
const KILLS = 20;

/** Starts the save loop, waits until its first state is on disk, lets it run `ms` more, kills it. */
async function killSaveLoopAfter(file: string, ms: number): Promise<void> {
  const child = spawn(process.execPath, [SAVE_LOOP, file, String(MESSAGE_BYTES)], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("saved")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`the save loop exited (${String(code)}) before its first save`)));
  });
  // The fault: SIGKILL at a random instant of the save loop (not a synchronisation).
  await new Promise((resolve) => setTimeout(resolve, ms));
  child.kill("SIGKILL");
  await exited;
}

test("a process killed at random instants while saving always leaves the old or the new state, never a torn one", async (t) => {
  const dir = await tempDir(t, "comin-crash-");
  const file = path.join(dir, "state.json");
  const seen = { a: 0, b: 0 };

  for (let kill = 0; kill < KILLS; kill++) {
    await killSaveLoopAfter(file, Math.random() * 150);

    const text = await readFile(file, "utf8");
    let state: { baseline: string; candidate: { message: string } };
    try {
      state = JSON.parse(text) as typeof state;
    } catch (error) {
      t.fail(`kill ${kill}: state.json is torn (${text.length} characters): ${(error as Error).message}`);
      return;
    }
    const letter = state.baseline[0] === "a" ? "a" : "b";
    t.is(state.baseline, letter.repeat(40), `kill ${kill}`);
    t.is(state.candidate.message, letter.repeat(MESSAGE_BYTES), `kill ${kill}: the message belongs to the same state as the baseline`);
    seen[letter] += 1;
  }
  const loaded = await new StateStore(file, silentLogger).load();

  t.is(loaded.corrupt, null);
  t.deepEqual(await readdir(dir), ["state.json"], "the temporary files of killed saves are removed at load");
  t.log(`after ${KILLS} kills: state A left ${seen.a} times, state B ${seen.b} times`);
});
