import test from "ava";
import { retryDelaySeconds } from "../../../runtime/agent/retry.js";

test("the delay doubles after each failed attempt", (t) => {
  t.deepEqual([1, 2, 3, 4].map((attempt) => retryDelaySeconds(attempt, 30, 3600)), [30, 60, 120, 240]);
});

test("the delay is capped by maxBackoff", (t) => {
  t.is(retryDelaySeconds(20, 30, 3600), 3600);
  t.is(retryDelaySeconds(1000, 30, 3600), 3600);
});
