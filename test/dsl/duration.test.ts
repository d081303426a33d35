import test from "ava";
import { formatDuration, parseDuration } from "../../dsl/duration.js";

const accepted: [unknown, number][] = [
  [0, 0],
  [90, 90],
  ["90s", 90],
  ["5m", 300],
  ["2h", 7200],
  ["1h30m", 5400],
  ["1h0m30s", 3630],
];
for (const [input, seconds] of accepted) {
  test(`parses ${JSON.stringify(input)} as ${seconds}s`, (t) => {
    t.is(parseDuration(input), seconds);
  });
}

const refused: unknown[] = ["", "5", "5 minutes", "1.5h", "30s1m", "-5s", -1, 1.5, Number.NaN, null, true, "1d"];
test("refuses anything else", (t) => {
  const parsed = refused.map((input) => parseDuration(input));

  t.deepEqual(parsed, refused.map(() => undefined));
});

test("formats seconds in the shortest form, and back", (t) => {
  const samples = [0, 59, 60, 61, 3600, 5400, 86_399];

  const texts = samples.map(formatDuration);

  t.deepEqual(texts, ["0s", "59s", "1m", "1m1s", "1h", "1h30m", "23h59m59s"]);
  t.deepEqual(texts.map((text) => parseDuration(text)), samples);
});
