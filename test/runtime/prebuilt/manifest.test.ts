/**
 * readManifest (behaviour.md §15): a manifest note that is not one gives a reason naming each
 * problem and where it is; a valid one reads back as it was written.
 */
import test from "ava";
import { readManifest } from "../../../runtime/prebuilt/manifest.js";

const COMMIT = "9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6";
const OUT = "/nix/store/0c0lz2hmgqz2rrjkq1w1m6bdwfb8f2cx-nixos-system-web1";
const DRV = "/nix/store/1c0lz2hmgqz2rrjkq1w1m6bdwfb8f2cx-nixos-system-web1.drv";

test("a valid manifest reads back as written", (t) => {
  const manifest = { schemaVersion: 1, commit: COMMIT, hosts: { web1: { outPath: OUT, drvPath: DRV, machineId: null }, db1: { outPath: OUT, drvPath: null, machineId: "abc" } } };

  t.deepEqual(readManifest(JSON.stringify(manifest)), { ok: true, manifest });
});

test("every problem of a manifest is named with its path", (t) => {
  const manifest = { schemaVersion: 2, commit: "main", hosts: { web1: { outPath: "/tmp/x", drvPath: OUT, machineId: null, extra: 1 }, "": { outPath: OUT, drvPath: null, machineId: null } }, signedBy: "me" };

  const reading = readManifest(JSON.stringify(manifest));

  t.deepEqual(reading, {
    ok: false,
    reason:
      "it is not a valid manifest (schemaVersion: expected schemaVersion 1; commit: expected a full commit id; " +
      'hosts.web1.outPath: expected a store path such as /nix/store/<hash>-<name>, got "/tmp/x"; hosts.web1.drvPath: expected a derivation (.drv); ' +
      'hosts.web1: Unrecognized key: "extra"; hosts: Invalid key "": Too small: expected string to have >=1 characters; (top level): Unrecognized key: "signedBy")',
  });
});

test("a manifest that is not an object says so at the top level", (t) => {
  t.deepEqual(readManifest("[]"), { ok: false, reason: "it is not a valid manifest ((top level): Invalid input: expected object, received array)" });
});
