/**
 * A fake `systemctl` first on PATH (this file runs in its own ava worker process, so changing
 * PATH affects no other test file): `systemctl cat <unit>` prints the content of a file.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import test from "ava";
import { activate } from "../../../runtime/deploy/deployer.js";
import { unitChanged, unitFingerprint } from "../../../runtime/deploy/unit-hash.js";
import { silentLogger } from "../../../runtime/log.js";
import { buildTestSystem, createMachineRoot } from "../../../scripts/lib/test-system.js";
import { tempDir } from "../../helpers/nix.js";
import { writeExecutable } from "../../helpers/temp.js";

async function fakeSystemctl(dir: string, unitFile: string): Promise<void> {
  const bin = path.join(dir, "bin");
  await mkdir(bin, { recursive: true });
  const file = path.join(bin, "systemctl");
  await writeExecutable(file, `#!/bin/sh\n[ "$1" = cat ] && [ "$3" = comin.service ] || exit 1\nexec cat ${unitFile}\n`);
  process.env.PATH = `${bin}:${process.env.PATH ?? ""}`;
}

test.serial("the fingerprint follows the unit's text; no unit, no fingerprint", async (t) => {
  const dir = await tempDir(t);
  const unitFile = path.join(dir, "unit");
  await writeFile(unitFile, "[Service]\nExecStart=/nix/store/a-comin/bin/comin run\n");
  await fakeSystemctl(dir, unitFile);

  const before = await unitFingerprint("comin.service");
  await writeFile(unitFile, "[Service]\nExecStart=/nix/store/b-comin/bin/comin run\n");
  const after = await unitFingerprint("comin.service");

  t.regex(before ?? "", /^[0-9a-f]{64}$/);
  t.not(before, after);
  t.is(await unitFingerprint("other.service"), null, "systemctl failing gives no fingerprint");
  t.is(await unitFingerprint(null), null);
  t.true(unitChanged(before, after));
  t.false(unitChanged(before, before));
  t.false(unitChanged(null, after), "an unreadable unit never triggers a restart");
});

test.serial("activate reports a unit changed by the switch", async (t) => {
  const dir = await tempDir(t);
  // The fake switch-to-configuration appends to its record: use the record as the unit's text.
  const record = path.join(dir, "switch.log");
  await writeFile(record, "");
  await fakeSystemctl(dir, record);
  const initial = await buildTestSystem(dir, "initial", { record, variant: "unit-initial" });
  const next = await buildTestSystem(dir, "next", { record, variant: "unit-next" });
  const machine = await createMachineRoot(path.join(dir, "root"), { system: initial });
  const paths = { ...machine.paths, systemdUnit: "comin.service" };

  const changed = await activate({ outPath: next, operation: "test", paths, timeoutSec: 60, keepProfileLinks: [], log: silentLogger });
  const unchanged = await activate({ outPath: next, operation: "test", paths: { ...paths, systemdUnit: null }, timeoutSec: 60, keepProfileLinks: [], log: silentLogger });

  t.true(changed.unitChanged);
  t.false(unchanged.unitChanged, "no unit configured: never changed");
});
