/** The `rejects` macro of the rejection tests: every expected problem, and nothing else. */
import test from "ava";
import type { ExecutionContext } from "ava";
import { problemsOf } from "./fleet-helpers.js";

export type Expected = [path: string, message: RegExp];

export function assertProblems(t: ExecutionContext, input: unknown, expected: Expected[]): void {
  const problems = problemsOf(input);

  const got = problems.map((problem) => `${problem.path}: ${problem.message}`);
  t.is(problems.length, expected.length, `got:\n${got.join("\n")}`);
  for (const [path, message] of expected) {
    const match = problems.find((problem) => problem.path === path && message.test(problem.message));
    t.truthy(match, `expected ${path}: ${String(message)}\ngot:\n${got.join("\n")}`);
  }
}

export const rejects = test.macro({
  exec: assertProblems,
  title: (name = "") => `rejects ${name}`,
});
