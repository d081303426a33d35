/**
 * The Python helpers every VM test script starts with (nixos-tests/lib/helpers.py and machine.py), unit-tested
 * against a fake machine by ./helpers_test.py.
 */
import path from "node:path";
import test from "ava";
import { execa } from "execa";
import { TEST_SOURCES } from "./evaluate.js";

test("the test scripts' Python helpers pass their unit tests", async (t) => {
  const result = await execa("python3", [path.join(TEST_SOURCES, "helpers_test.py"), "-v"], { reject: false, stdin: "ignore", timeout: 60_000 });

  const ran = Number(/^Ran (\d+) tests?/m.exec(result.stderr)?.[1] ?? "0");

  t.is(result.exitCode, 0, result.stderr);
  t.true(ran >= 23, `only ${ran} tests ran:\n${result.stderr}`);
  t.regex(result.stderr, /^OK$/m);
});
