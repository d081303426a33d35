import test from "ava";
import { applyRetention } from "../../../runtime/state/retention.js";
import { isDeployment, type DeploymentRecord, type HistoryEntry, type RebootEntry } from "../../../runtime/types.js";

let clock = 0;
function deployment(outPath: string, operation: NonNullable<DeploymentRecord["operation"]>, status: DeploymentRecord["status"] = "done"): DeploymentRecord {
  clock += 1;
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, clock)).toISOString();
  return {
    id: `d${clock}`, kind: "deployment", generationId: null, commit: null, remote: null, branch: null, message: null, operation,
    operationSubmitted: operation, reason: null, status, outPath, profilePath: operation === "test" ? null : `/p/comin-${clock}-link`,
    createdAt: at, startedAt: at, endedAt: at, error: null, previousOutPath: null, health: { status: "skipped", checks: [] }, rollback: null,
  };
}

function reboot(): RebootEntry {
  clock += 1;
  return { kind: "reboot", id: `r${clock}`, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, clock)).toISOString(), reason: "kernel", from: null, to: "/s/1" };
}

const outPaths = (entries: HistoryEntry[]) => entries.filter(isDeployment).map((d) => d.outPath);

const limits = { bootEntries: 2, successful: 2, any: 3 };

test("keeps the newest boot entries with distinct systems, and their profile links", (t) => {
  const records = [deployment("/s/1", "switch"), deployment("/s/2", "switch"), deployment("/s/3", "switch"), deployment("/s/3", "switch")];

  const { kept, keepProfileLinks } = applyRetention(records, limits, null);

  t.deepEqual(outPaths(kept), ["/s/2", "/s/3", "/s/3"]);
  t.true(keepProfileLinks.includes(records[1]!.profilePath!));
  t.false(keepProfileLinks.includes(records[0]!.profilePath!));
});

test("the booted deployment is always kept, however old", (t) => {
  const records = [deployment("/s/booted", "boot"), ...Array.from({ length: 6 }, (_, i) => deployment(`/s/${i}`, "switch"))];

  const { kept, keepProfileLinks } = applyRetention(records, limits, "/s/booted");

  t.true(outPaths(kept).includes("/s/booted"));
  t.true(keepProfileLinks.includes(records[0]!.profilePath!));
});

test("the current deployment (latest done) is kept even after many failures", (t) => {
  const records = [deployment("/s/ok", "test"), ...Array.from({ length: 6 }, (_, i) => deployment(`/s/f${i}`, "switch", "failed"))];

  const { kept } = applyRetention(records, limits, null);

  t.true(outPaths(kept).includes("/s/ok"));
  t.is(kept.filter(isDeployment).filter((d) => d.status === "failed").length, 3);
});

test("reboot records do not push deployments out", (t) => {
  const records = [deployment("/s/1", "switch"), ...Array.from({ length: 4 }, () => reboot())];

  const { kept } = applyRetention(records, limits, null);

  t.is(kept.filter((d) => d.kind === "reboot").length, 4);
  t.true(kept.some((d) => d.kind === "deployment"));
});
