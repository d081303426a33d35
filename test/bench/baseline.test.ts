import test from "ava";
import { readlink } from "node:fs/promises";
import path from "node:path";
import { BaselineError, prepareBaseline, runBaseline } from "../../bench/baseline.js";
import { BenchFleet } from "../../bench/fleet.js";
import { createMachine, localRemote, switchCalls, tempDir } from "../helpers/daemon.js";
import { createSshKey, writeAllowedSigners } from "../helpers/git.js";

test("the shell loop deploys a signed commit: profile set, switch-to-configuration run", async (t) => {
  const dir = await tempDir(t, "comin-bench-baseline-");
  const key = await createSshKey(dir, "admin@example.org");
  const signers = await writeAllowedSigners(path.join(dir, "allowed_signers"), [key]);
  const fleet = await BenchFleet.create(path.join(dir, "fleet"), { signingKeyFile: key.privateKeyFile });
  const machine = await createMachine(dir, "shell", { remotes: [localRemote("origin", fleet.serverDir)] });
  await fleet.commitAndPush({ shell: machine.host({ variant: "baseline-test" }) }, "signed");
  const baseline = await prepareBaseline(path.join(dir, "loop"), fleet.serverDir);

  const startedAt = await runBaseline(baseline, { host: "shell", profile: machine.paths.profile, allowedSignersFile: signers });

  const calls = await switchCalls(machine);
  t.true(startedAt <= Date.now());
  t.is(calls.length, 1);
  t.is(calls[0]?.[0], "switch");
  t.is(path.resolve(path.dirname(machine.paths.profile), await readlink(machine.paths.profile)), `${machine.paths.profile}-1-link`);
  t.is(await readlink(`${machine.paths.profile}-1-link`), calls[0]?.[1] ?? "no switch call");
});

test("the shell loop refuses an unsigned commit when signing is required", async (t) => {
  const dir = await tempDir(t, "comin-bench-baseline-");
  const key = await createSshKey(dir, "admin@example.org");
  const signers = await writeAllowedSigners(path.join(dir, "allowed_signers"), [key]);
  const fleet = await BenchFleet.create(path.join(dir, "fleet"));
  const machine = await createMachine(dir, "shell", { remotes: [localRemote("origin", fleet.serverDir)] });
  await fleet.commitAndPush({ shell: machine.host({ variant: "unsigned" }) }, "unsigned");
  const baseline = await prepareBaseline(path.join(dir, "loop"), fleet.serverDir);

  await t.throwsAsync(runBaseline(baseline, { host: "shell", profile: machine.paths.profile, allowedSignersFile: signers }), { instanceOf: BaselineError });

  t.deepEqual(await switchCalls(machine), []);
});
