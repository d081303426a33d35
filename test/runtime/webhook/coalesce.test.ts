import test from "ava";
import { silentLogger } from "../../../runtime/log.js";
import { FetchCoalescer } from "../../../runtime/webhook/coalesce.js";
import { deferred } from "../../helpers/fake-controller.js";

test("different remote sets do not coalesce with each other", async (t) => {
  const calls: (string[] | undefined)[] = [];
  const hold = deferred<void>();
  const coalescer = new FetchCoalescer(async (remotes) => {
    calls.push(remotes);
    await hold.promise;
  }, silentLogger);

  const outcomes = [coalescer.trigger(["origin"]), coalescer.trigger(["mirror"]), coalescer.trigger(undefined), coalescer.trigger(["origin"])];
  hold.resolve();
  await coalescer.idle();

  t.deepEqual(outcomes, ["started", "started", "started", "queued"]);
  t.deepEqual(calls, [["origin"], ["mirror"], undefined, ["origin"]]);
});

test("the order of remote names does not matter", (t) => {
  const coalescer = new FetchCoalescer(() => new Promise(() => {}), silentLogger);

  t.is(coalescer.trigger(["a", "b"]), "started");
  t.is(coalescer.trigger(["b", "a"]), "queued");
});

test("a fetch that throws, even synchronously, does not wedge later triggers", async (t) => {
  let calls = 0;
  const coalescer = new FetchCoalescer(() => {
    calls++;
    throw new Error("controller is shutting down");
  }, silentLogger);

  t.is(coalescer.trigger(["origin"]), "started");
  await coalescer.idle();
  t.is(coalescer.trigger(["origin"]), "started");
  await coalescer.idle();

  t.is(calls, 2);
});
