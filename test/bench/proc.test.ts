import test from "ava";
import { clockTicksPerSecond, parseCpuTimes, parseRssMb, ProcError, readCpuTimes, readProcessInfo, readRssMb } from "../../bench/proc.js";

test("VmRSS is read in MiB", (t) => {
  const status = "Name:\tnode\nVmPeak:\t  999999 kB\nVmRSS:\t   51200 kB\nThreads:\t7\n";

  const rss = parseRssMb(status);

  t.is(rss, 50);
  t.throws(() => parseRssMb("Name:\tzombie\n"), { instanceOf: ProcError });
});

test("CPU times are counted from the last parenthesis: a command name may contain spaces and parentheses", (t) => {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
  const stat = "4242 (we ird) (name) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 30 20 20 0 1 0 100 0 0";

  const times = parseCpuTimes(stat, 100);

  t.deepEqual(times, { selfMs: 3000, childrenMs: 500 });
  t.throws(() => parseCpuTimes("1 (x) S 1", 100), { instanceOf: ProcError });
});

test("this process's own figures are readable from /proc", async (t) => {
  const pid = process.pid;

  const [rss, cpu, info, ticks] = await Promise.all([readRssMb(pid), readCpuTimes(pid), readProcessInfo(pid), clockTicksPerSecond()]);

  t.true(rss > 10 && rss < 4096, `rss ${rss}`);
  t.true(cpu.selfMs > 0);
  t.is(info?.ppid, process.ppid);
  t.true(ticks > 0);
  t.is(await readProcessInfo(2 ** 22 + 12345), null);
});
