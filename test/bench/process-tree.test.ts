import test from "ava";
import { spawn } from "node:child_process";
import { children, descendants, killTree } from "../../bench/process-tree.js";
import { readProcessInfo } from "../../bench/proc.js";

async function until<T>(probe: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("condition not met in time");
}

test("killTree kills a process, its children and the groups they lead, and nothing else", async (t) => {
  // A parent with a plain child and a child leading its own process group (as the runtime starts git and nix).
  const parent = spawn("sh", ["-c", "sleep 60 & setsid sleep 60 & wait"], { stdio: "ignore" });
  const bystander = spawn("sleep", ["60"], { stdio: "ignore" });
  t.teardown(() => {
    parent.kill("SIGKILL");
    bystander.kill("SIGKILL");
  });
  const pid = parent.pid ?? -1;
  const exited = new Promise((resolve) => parent.on("exit", resolve));
  const tree = await until(async () => {
    const found = await descendants(pid);
    return found.length === 2 ? found : null;
  }, 10_000);

  const direct = await children(pid);
  const killed = await killTree(pid);
  await exited;

  t.is(killed, 2);
  t.true(direct.length >= 1 && direct.every((child) => tree.includes(child)));
  for (const child of tree) {
    const info = await readProcessInfo(child);
    t.true(info === null || info.state === "Z", `process ${child} is gone`);
  }
  const other = await readProcessInfo(bystander.pid ?? -1);
  t.not(other, null, "an unrelated process is untouched");
  t.not(other?.state, "Z");
});
