import test from "ava";
import { formatTable, resultsDocument, type Results } from "../../bench/report.js";

function results(figures: Results["figures"]): Results {
  return {
    date: "2026-01-01T00:00:00.000Z",
    machine: { cores: 2, cpuModel: "cpu", memoryMb: 4096, kernel: "Linux 6", node: "v20", nix: "nix (Nix) 2.8.0", git: "git version 2.39.5", loadAverageAtStart: 0.1 },
    figures,
    details: { overhead: { note: 1 } },
    errors: {},
    durationMs: 1234.5,
  };
}

test("results.json has every measured figure at the top level, with machine and date", (t) => {
  const input = results({ evalsPerDeploy: { min: 1, median: 1, max: 1, runs: 5 }, overheadMs: { min: 10.04, median: 20.06, max: 30.01, runs: 5 } });

  const document = resultsDocument(input);

  t.deepEqual(document.evalsPerDeploy, { min: 1, median: 1, max: 1, runs: 5 });
  t.deepEqual(document.overheadMs, { min: 10, median: 20.1, max: 30, runs: 5 });
  t.false("webhookLatencyMs" in document);
  t.is((document.machine as { cores: number }).cores, 2);
  t.is(document.date, "2026-01-01T00:00:00.000Z");
  t.deepEqual(document.targets, { evalsPerDeploy: { target: "exactly 1", met: true } });
});

test("the table says which targets are missed and what was not measured", (t) => {
  const input = results({ overheadRatio: { min: 1.1, median: 1.5, max: 2, runs: 7 }, evalsPerDeploy: { min: 1, median: 1, max: 1, runs: 5 } });

  const table = formatTable(input);
  const lines = table.split("\n");

  t.regex(lines.find((line) => line.startsWith("agent cycle / shell loop")) ?? "", /1\.50\s+1\.10\s+2\.00\s+7\s+x\s+median <= 1\.1\s+NO$/);
  t.regex(lines.find((line) => line.startsWith("evaluations per deployment")) ?? "", /yes$/);
  t.regex(lines.find((line) => line.startsWith("push -> activation, webhook")) ?? "", /not measured$/);
});
