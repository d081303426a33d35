import test from "ava";
import { Cleanup } from "../../bench/cleanup.js";

test("steps run newest first, all of them even when one fails, and only once", async (t) => {
  const cleanup = new Cleanup();
  const order: string[] = [];
  cleanup.teardown(() => void order.push("directory"));
  cleanup.teardown(() => {
    throw new Error("daemon already gone");
  });
  cleanup.teardown(async () => void order.push("daemon"));

  const errors = await cleanup.run();
  const again = await cleanup.run();

  t.deepEqual(order, ["daemon", "directory"]);
  t.is(errors.length, 1);
  t.deepEqual(again, []);
});

test("with keep, the steps can be run a second time", async (t) => {
  const cleanup = new Cleanup();
  let runs = 0;
  cleanup.teardown(() => void (runs += 1));

  await cleanup.run({ keep: true });
  await cleanup.run();
  await cleanup.run();

  t.is(runs, 2);
});
