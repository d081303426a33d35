/**
 * The reboot slot held in `state.json` (behaviour.md §16): files written before the field load with
 * no slot held; a hold round-trips; a malformed hold is reported with its path.
 */
import test from "ava";
import { validateStateText } from "../../../runtime/state/validate.js";
import { emptyState } from "../../../runtime/state/state.js";

const HOLD = { backend: "etcd", group: "web", holder: "0123456789abcdef0123456789abcdef", takenAt: "2026-06-20T10:00:00.000Z", from: "/nix/store/a", to: "/nix/store/b" };

test("a state file from before reboot coordination loads with no slot held", (t) => {
  const { rebootLock: _rebootLock, ...before } = emptyState();

  const validated = validateStateText(JSON.stringify(before));

  t.true(validated.ok);
  t.is(validated.ok ? validated.state.rebootLock : undefined, null);
});

test("a held slot round-trips", (t) => {
  const validated = validateStateText(JSON.stringify({ ...emptyState(), rebootLock: HOLD }));

  t.deepEqual(validated.ok ? validated.state.rebootLock : undefined, HOLD);
});

test("a hold with an unknown backend is not taken as a hold", (t) => {
  const validated = validateStateText(JSON.stringify({ ...emptyState(), rebootLock: { ...HOLD, backend: "zookeeper" } }));

  t.false(validated.ok && validated.state.rebootLock !== null && validated.state.rebootLock.backend === ("zookeeper" as never));
  if (!validated.ok) t.regex(validated.reason, /rebootLock/);
});
