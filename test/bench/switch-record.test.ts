import test from "ava";
import { appendFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { RecordTimeoutError, recordLineCount, waitForRecord } from "../../bench/switch-record.js";
import { tempDir } from "../helpers/temp.js";

test("waitForRecord returns the new lines and the kernel's time of the write", async (t) => {
  const dir = await tempDir(t, "comin-bench-record-");
  const file = path.join(dir, "switch.log");
  await writeFile(file, "switch /nix/store/a\n");
  const before = await recordLineCount(file);

  const waiting = waitForRecord(file, before, 10_000, "the test write");
  await appendFile(file, "test /nix/store/b\n");
  const written = (await stat(file)).mtimeMs;
  const record = await waiting;

  t.is(before, 1);
  t.deepEqual(record.lines, ["test /nix/store/b"]);
  t.is(record.at, written);
});

test("waitForRecord fails after its deadline when nothing is written", async (t) => {
  const dir = await tempDir(t, "comin-bench-record-");
  const file = path.join(dir, "switch.log");
  await writeFile(file, "");

  const error = await t.throwsAsync(waitForRecord(file, 0, 200, "a write that never comes"), { instanceOf: RecordTimeoutError });

  t.regex(error?.message ?? "", /a write that never comes/);
});
