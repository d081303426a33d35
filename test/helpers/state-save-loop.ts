/**
 * A process for crash-safety tests: saves two large states, A and B, alternately and forever
 * through the real StateStore, printing "saved" once the first one is on disk. The test kills it
 * with SIGKILL at a random instant and reads what is left.
 *
 * Usage: node state-save-loop.js <state file> <message bytes>
 */
import { silentLogger } from "../../runtime/log.js";
import { emptyState, StateStore, type State } from "../../runtime/state/store.js";

/** State `letter` (a or b): every field that grows with the size says which one it is. */
function bigState(letter: "a" | "b", messageBytes: number): State {
  return {
    ...emptyState(),
    baseline: letter.repeat(40),
    candidate: { commit: letter.repeat(40), remote: "origin", branch: "main", isTesting: false, signed: null, signedBy: null, message: letter.repeat(messageBytes) },
  };
}

async function main(file: string, messageBytes: number): Promise<void> {
  const store = new StateStore(file, silentLogger);
  const states = [bigState("a", messageBytes), bigState("b", messageBytes)] as const;
  await store.save(states[0]);
  process.stdout.write("saved\n");
  for (let i = 1; ; i++) await store.save(states[i % 2] ?? states[0]);
}

const [file, bytes] = process.argv.slice(2);
if (file === undefined || bytes === undefined) throw new Error("usage: state-save-loop.js <state file> <message bytes>");
await main(file, Number(bytes));
