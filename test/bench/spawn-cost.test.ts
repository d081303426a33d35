import test from "ava";
import { spawn } from "node:child_process";
import { anonMb, measureSpawnCost } from "../../bench/spawn-cost.js";

test("RssAnon is read from /proc in MiB; a process that is gone is an error naming it", async (t) => {
  const own = await anonMb(process.pid);

  t.true(own > 1 && own < 4096, `RssAnon ${own} MiB`);
  await t.throwsAsync(anonMb(2 ** 22 + 7), { message: /\/proc\/4194311\/status/ });
});

test("the spawn costs of sh, bare node and node grown to a process's anonymous memory are all measured", async (t) => {
  // A process holding 24 MiB of touched anonymous memory stands in for the daemon.
  const holder = spawn(process.execPath, ["-e", "globalThis.b = Buffer.alloc(24 * 1048576, 1); setInterval(() => {}, 1000); process.stdout.write('ready')"], { stdio: ["ignore", "pipe", "ignore"] });
  t.teardown(() => holder.kill("SIGKILL"));
  await new Promise((resolve) => holder.stdout?.once("data", resolve));
  if (holder.pid === undefined) throw new Error("no pid");

  const cost = await measureSpawnCost(holder.pid);

  t.true(cost.daemonAnonMb >= 24, `RssAnon ${cost.daemonAnonMb} MiB`);
  for (const key of ["shMs", "bareNodeMs", "nodeAtDaemonSizeMs", "coprocessAtDaemonSizeMs"] as const) t.true(cost[key] > 0 && cost[key] < 100, `${key} ${cost[key]}`);
});
