import test from "ava";
import { medianGap, missedPolls } from "../../bench/polls.js";

test("a remote fetched every interval misses nothing, even when each poll is a little late", (t) => {
  const fetches = [0, 1100, 2250, 3300, 4400, 5500];

  const missed = missedPolls(fetches, 0, 6000, 1000);

  t.is(missed, 0);
});

test("a gap of two intervals or more is a missed poll per whole extra interval", (t) => {
  const fetches = [0, 1000, 3100, 6200];

  const missed = missedPolls(fetches, 0, 6500, 1000);

  t.is(missed, 1 + 2);
});

test("a remote that stops being polled misses the rest of the window", (t) => {
  const fetches = [-200, 800];

  const missed = missedPolls(fetches, 0, 10_000, 1000);

  t.is(missed, 8);
});

test("the gap before the window starts at the last fetch before it", (t) => {
  const fetches = [-2500, 900];

  const missed = missedPolls(fetches, 0, 1000, 1000);

  t.is(missed, 2);
  t.throws(() => missedPolls(fetches, 0, 1000, 0), { instanceOf: RangeError });
});

test("medianGap is the effective poll period", (t) => {
  const fetches = [4000, 0, 1000, 2500];

  const gap = medianGap(fetches);

  t.is(gap, 1500);
  t.is(medianGap([1]), null);
});
