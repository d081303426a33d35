import test from "ava";
import { formatDeploymentList, formatFetchOutcomes, formatLatestDeployment, formatConfirmations } from "../../../runtime/cli/format-records.js";
import { formatOneline } from "../../../runtime/cli/format-oneline.js";
import { formatStatus } from "../../../runtime/cli/format-status.js";
import { formatElapsed, formatRelative } from "../../../runtime/cli/format-time.js";
import type { StatusJson } from "../../../runtime/types.js";
import { SHA_B, sampleDeployment, sampleGeneration, sampleReboot, sampleStatus } from "../../helpers/fake-controller.js";

const NOW = new Date("2026-06-20T10:00:00.000Z");

function richStatus(): StatusJson {
  const status = sampleStatus({
    needToReboot: true,
    needToRebootReason: "the kernel changed",
    lastReboot: { at: "2026-06-18T03:00:00.000Z", reason: "the kernel changed", from: "/nix/store/a", to: "/nix/store/b" },
    confirmations: [{ stage: "deploy", mode: "auto", generationId: "gen-2", commit: SHA_B, submittedAt: "2026-06-20T09:59:00.000Z", autoAt: "2026-06-20T10:01:00.000Z" }],
    pending: "the deploy proceeds at 2026-06-20T10:01:00.000Z unless confirmed earlier",
  });
  status.candidate = { ...status.candidate!, signed: true, signedBy: "Alice <alice@example.org>", message: "web1: enable the exporter\n\nwith a body" };
  status.remotes.push({
    name: "mirror",
    url: "/srv/git/infra.git",
    lastFetch: { at: "2026-06-20T09:59:30.000Z", ok: false, error: "'git fetch mirror' failed: repository not found" },
    main: { name: "main", commit: null, error: null },
    testing: { name: null, commit: null, error: null },
  });
  status.problems = [{ kind: "fetch", subject: "mirror", message: "fetch failed: 'git fetch mirror' failed: repository not found", since: "2026-06-20T09:59:30.000Z" }];
  return status;
}

test("relative times use the largest whole unit, both ways", (t) => {
  t.is(formatRelative("2026-06-20T09:58:00.000Z", NOW), "2 minutes ago");
  t.is(formatRelative("2026-06-20T09:58:01.000Z", NOW), "1 minute ago");
  t.is(formatRelative("2026-06-20T09:59:58.000Z", NOW), "2 seconds ago");
  t.is(formatRelative("2026-06-20T10:00:00.000Z", NOW), "now");
  t.is(formatRelative("2026-06-20T10:00:30.000Z", NOW), "in 30 seconds");
  t.is(formatRelative("2026-06-20T07:00:00.000Z", NOW), "3 hours ago");
  t.is(formatRelative("2026-06-18T10:00:00.000Z", NOW), "2 days ago");
  t.is(formatRelative("2026-06-19T09:00:00.000Z", NOW), "yesterday");
  t.is(formatRelative("2025-06-01T10:00:00.000Z", NOW), "last year");
  t.is(formatRelative("garbage", NOW), "at an unknown time");
});

test("durations keep two units at most", (t) => {
  t.is(formatElapsed(850), "850ms");
  t.is(formatElapsed(12_000), "12s");
  t.is(formatElapsed(288_000), "4m 48s");
  t.is(formatElapsed(3_600_000), "1h");
  t.is(formatElapsed(7_530_000), "2h 5m");
  t.is(formatElapsed(273_600_000), "3d 4h");
});

test("human status: every section, in plain words", (t) => {
  const text = formatStatus(richStatus(), NOW);

  t.is(
    text,
    `Host            web1
Agent           comin 0.1.0, started 3 hours ago
Suspended       no
Need to reboot  yes (the kernel changed)
Baseline        1a2b3c4

Problems
  ✗ mirror: fetch failed: 'git fetch mirror' failed: repository not found (30 seconds ago)

Remotes
  origin  https://git.example.org/acme/infra.git
    last fetch  fetched 2 minutes ago
    main        main at 1a2b3c4
    testing     testing-web1 (absent)
  mirror  /srv/git/infra.git
    last fetch  fetch failed 30 seconds ago: 'git fetch mirror' failed: repository not found
    main        main (unknown)
    testing     disabled

Candidate
  origin/main 1a2b3c4, signed by Alice <alice@example.org>
  "web1: enable the exporter"

Generation
  1a2b3c4 from origin/main, for switch (gen-1)
  evaluation  done 9 minutes ago (took 12s)
  build       done 5 minutes ago (took 4m 48s)
  system      /nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-nixos-system-web1

Deployment
  switch of 1a2b3c4 from origin/main (dep-1)
  status   done 3 minutes ago (took 1m 59s)
  profile  /nix/var/nix/profiles/system-profiles/comin-12-link
  system   /nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-nixos-system-web1

Pending
  the deploy of 9f8e7d6 proceeds by itself in 1 minute, or now with \`comin confirmation accept\`

Last reboot 2 days ago: the kernel changed
`,
  );
});

test("human status of a fresh agent", (t) => {
  const status = sampleStatus({
    baseline: null,
    candidate: null,
    generation: null,
    deployment: null,
    remotes: [{ name: "origin", url: "https://git.example.org/acme/infra.git", lastFetch: null, main: { name: "main", commit: null, error: null }, testing: { name: "testing-web1", commit: null, error: null } }],
  });

  const text = formatStatus(status, NOW);

  t.regex(text, /^Baseline {8}none yet$/m);
  t.regex(text, /^ {4}last fetch {2}not fetched yet$/m);
  t.regex(text, /^Candidate\n {2}none selected yet$/m);
  t.regex(text, /^Deployment\n {2}none yet$/m);
  t.regex(text, /^Pending\n {2}nothing$/m);
});

test("human status shows failures, a suspension, a refused branch and a retry", (t) => {
  const status = sampleStatus({
    suspended: true,
    generation: sampleGeneration({ build: { status: "failed", error: "builder for '/nix/store/…-foo.drv' failed with exit code 1", startedAt: "2026-06-20T09:56:00.000Z", endedAt: "2026-06-20T09:58:00.000Z" } }),
    retry: { stage: "build", attempt: 2, of: 3, at: "2026-06-20T10:00:30.000Z" },
    pending: "retry of the build at 2026-06-20T10:00:30.000Z",
  });
  status.remotes[0]!.main.error = "main was reset: 9f8e7d6 is not on top of 1a2b3c4";

  const text = formatStatus(status, NOW);

  t.regex(text, /^Suspended {7}yes: builds and deployments wait for `comin resume`$/m);
  t.regex(text, /^ {4}main {8}main at 1a2b3c4: main was reset: 9f8e7d6 is not on top of 1a2b3c4$/m);
  t.regex(text, /^ {2}build {7}failed 2 minutes ago: builder for '\/nix\/store\/…-foo.drv' failed with exit code 1$/m);
  t.regex(text, /^ {2}retry 2\/3 of the build in 30 seconds \(2026-06-20T10:00:30Z\)$/m);
  t.notRegex(text, /retry of the build at/, "the daemon's summary is not repeated");
});

test("oneline: a successful deployment", (t) => {
  t.is(formatOneline(sampleStatus(), NOW), "✓ origin/main 1a2b3c4 (3 minutes ago)\n");
});

test("oneline: confirmation, suspension, fetch failure and reboot markers", (t) => {
  const status = richStatus();
  status.suspended = true;

  t.is(formatOneline(status, NOW), "❔ ⏸ ⚠ origin/main 1a2b3c4 (3 minutes ago) ⚠ fetch failed: mirror ⏻ reboot needed\n");
});

test("oneline: no green tick while a head is refused; the refusal is named", (t) => {
  const status = sampleStatus({ problems: [{ kind: "refused", subject: "origin/main", message: "main was reset: 9f8e7d6 is not on top of 1a2b3c4", since: null }] });

  t.is(formatOneline(status, NOW), "⚠ origin/main 1a2b3c4 (3 minutes ago) ⚠ refused: origin/main\n");
});

test("human status: a Problems block, the candidate's signature in the remote block's words, Pending points at the problems", (t) => {
  const status = sampleStatus({
    signatureTrust: true,
    problems: [
      { kind: "refused", subject: "origin/main", message: "commit 9f8e7d6 is not signed by a trusted key", since: null },
      { kind: "build", subject: "origin/main 1a2b3c4", message: "build failed: error: builder failed\nlast 2 log lines:\n> boom", since: "2026-06-20T09:58:00.000Z" },
    ],
  });
  status.candidate = { ...status.candidate!, signed: null, signedBy: null };
  const untrusted = sampleStatus({ signatureTrust: false });
  untrusted.candidate = { ...untrusted.candidate!, signed: null };

  const text = formatStatus(status, NOW);

  t.regex(text, /^Problems\n {2}✗ origin\/main: commit 9f8e7d6 is not signed by a trusted key\n {2}✗ origin\/main 1a2b3c4: build failed: error: builder failed \(2 minutes ago\)\n {6}last 2 log lines:\n {6}> boom$/m);
  t.regex(text, /signature not checked: selected before signature trust was configured/);
  t.regex(text, /^Pending\n {2}nothing \(2 problems above\)$/m);
  t.regex(formatStatus(untrusted, NOW), /signatures not checked \(no trusted keys configured\)/);
  t.notRegex(formatStatus(sampleStatus(), NOW), /Problems/);
});

test("oneline: work in progress and failures of a newer generation", (t) => {
  const newer = (overrides: Parameters<typeof sampleGeneration>[0]) => sampleStatus({ generation: sampleGeneration({ id: "gen-2", commit: SHA_B, ...overrides }) });
  const running = { status: "running" as const, error: null, startedAt: "2026-06-20T09:59:00.000Z", endedAt: null };
  const failed = { status: "failed" as const, error: "x", startedAt: "2026-06-20T09:58:00.000Z", endedAt: "2026-06-20T09:59:00.000Z" };
  const pending = { status: "pending" as const, error: null, startedAt: null, endedAt: null };

  t.is(formatOneline(newer({ eval: running, build: pending }), NOW), "⟳ evaluating origin/main 9f8e7d6 (1 minute ago)\n");
  t.is(formatOneline(newer({ build: running }), NOW), "⟳ building origin/main 9f8e7d6 (1 minute ago)\n");
  t.is(formatOneline(newer({ eval: failed, build: pending }), NOW), "✗ origin/main 9f8e7d6 evaluation failed (1 minute ago)\n");
  t.is(formatOneline(newer({ build: failed }), NOW), "✗ origin/main 9f8e7d6 build failed (1 minute ago)\n");
  t.is(
    formatOneline(sampleStatus({ deployment: sampleDeployment({ status: "running", endedAt: null, startedAt: "2026-06-20T09:59:30.000Z" }) }), NOW),
    "⟳ deploying origin/main 1a2b3c4 (30 seconds ago)\n",
  );
  t.is(formatOneline(sampleStatus({ deployment: sampleDeployment({ status: "failed" }) }), NOW), "✗ origin/main 1a2b3c4 deployment failed (3 minutes ago)\n");
  t.is(formatOneline(sampleStatus({ deployment: null, generation: null }), NOW), "· no deployment yet\n");
});

test("deployment list: oldest first, reboots as their own lines", (t) => {
  const records = [
    sampleDeployment({ id: "dep-2", status: "failed", error: "switch-to-configuration exited with 1", createdAt: "2026-06-20T09:59:00.000Z", endedAt: "2026-06-20T09:59:40.000Z", operation: "test", branch: "testing-web1" }),
    sampleDeployment(),
    sampleReboot({ reason: "the kernel changed", createdAt: "2026-06-20T09:58:00.000Z" }),
  ];

  t.is(
    formatDeploymentList(records, NOW),
    `2026-06-20T09:57:00Z  done    switch  1a2b3c4  origin/main          3 minutes ago   /nix/var/nix/profiles/system-profiles/comin-12-link
2026-06-20T09:58:00Z  reboot                                        2 minutes ago   the kernel changed
2026-06-20T09:59:40Z  failed  test    1a2b3c4  origin/testing-web1  20 seconds ago  switch-to-configuration exited with 1
`,
  );
  t.is(formatDeploymentList([], NOW), "No deployment yet.\n");
});

test("latest deployment ignores reboots", (t) => {
  const records = [sampleDeployment(), sampleReboot({ reason: "kernel", createdAt: "2026-06-20T09:58:00.000Z" })];

  t.regex(formatLatestDeployment(records, NOW), /^Latest deployment\n {2}switch of 1a2b3c4 from origin\/main \(dep-1\)$/m);
  t.is(formatLatestDeployment([], NOW), "No deployment found.\n");
});

test("confirmations and fetch outcomes", (t) => {
  t.is(formatConfirmations([], NOW), "No confirmation is pending.\n");
  t.is(
    formatConfirmations([{ stage: "build", mode: "manual", generationId: "gen-2", commit: SHA_B, submittedAt: "2026-06-20T09:50:00.000Z", autoAt: null }], NOW),
    "The build of 9f8e7d6 (generation gen-2) waits for a confirmation (submitted 10 minutes ago):\n  run `comin confirmation accept` to proceed\n",
  );
  t.is(
    formatFetchOutcomes([
      { remote: "origin", ok: true, error: null },
      { remote: "mirror", ok: false, error: "could not resolve host" },
    ]),
    "✓ origin: fetched\n✗ mirror: fetch failed: could not resolve host\n",
  );
  t.is(
    formatFetchOutcomes([
      {
        remote: "origin",
        ok: true,
        error: null,
        branches: [
          { role: "main", name: "main", before: "1a2b3c4d", after: "9f8e7d6c", error: null },
          { role: "testing", name: "testing-web1", before: null, after: null, error: null },
        ],
      },
      { remote: "mirror", ok: true, error: null, branches: [{ role: "main", name: "main", before: "1a2b3c4d", after: "1a2b3c4d", error: null }] },
      { remote: "fork", ok: true, error: null, branches: [{ role: "main", name: "main", before: "1a2b3c4d", after: "5e5e5e5e", error: "main was reset: 5e5e5e5e is not on top of 1a2b3c4d" }] },
    ]),
    `✓ origin: fetched
    main          new head 9f8e7d6 (was 1a2b3c4)
    testing-web1  absent
✓ mirror: fetched
    main  unchanged at 1a2b3c4
✗ fork: fetched, but a head was refused
    main  5e5e5e5 refused: main was reset: 5e5e5e5e is not on top of 1a2b3c4d
`,
  );
});

test("14.6: a multi-line Nix error is indented under its block; a pending wait says when", (t) => {
  const status = sampleStatus({
    generation: sampleGeneration({ eval: { status: "failed", error: "error: attribute 'x' missing\n\n       at /nix/store/…/flake.nix:3:5:\n            2|", startedAt: "2026-06-20T09:56:00.000Z", endedAt: "2026-06-20T09:58:00.000Z" } }),
    pending: "a reboot in the window mon 02:00-04:00 Europe/Paris, opens Mon 22 Jun 02:00 Europe/Paris",
    pendingUntil: "2026-06-22T00:00:00.000Z",
  });

  const text = formatStatus(status, NOW);

  t.regex(text, /^ {2}evaluation {2}failed 2 minutes ago: error: attribute 'x' missing\n {16}\n {16} {7}at \/nix\/store\/…\/flake\.nix:3:5:\n {16} {12}2\|$/m);
  t.regex(text, /^ {2}a reboot in the window mon 02:00-04:00 Europe\/Paris, opens Mon 22 Jun 02:00 Europe\/Paris \(tomorrow\)$/m);
});

test("human status shows each health check, a rollback, the quarantine and the verification after a reboot (§14)", (t) => {
  const status = sampleStatus({
    deployment: sampleDeployment({
      status: "rolled-back",
      error: "health check web failed: HTTP 500, expected 200",
      health: { status: "failed", checks: [{ name: "web", ok: false, detail: "HTTP 500, expected 200" }, { name: "nginx", ok: true, detail: "nginx.service is active" }] },
      rollback: { trigger: "health", to: "/nix/store/aaaa-nixos-system-web1", status: "done", error: null },
    }),
    quarantine: [{ commit: SHA_B, outPath: "/nix/store/bbbb-nixos-system-web1", reason: "health check web failed: HTTP 500, expected 200", at: "2026-06-20T09:58:00.000Z" }],
    bootVerification: { outPath: "/nix/store/aaaa-nixos-system-web1", status: "passed", startedAt: "2026-06-20T09:00:00.000Z", finishedAt: "2026-06-20T09:01:00.000Z" },
    pending: `commit ${SHA_B} is quarantined: health check web failed: HTTP 500, expected 200`,
  });

  const text = formatStatus(status, NOW);

  t.regex(text, /^ {2}status {4}rolled back 3 minutes ago: health check web failed: HTTP 500, expected 200$/m);
  t.regex(text, /^ {2}health {4}failed \(web FAILED: HTTP 500, expected 200; nginx ok: nginx.service is active\)$/m);
  t.regex(text, /^ {2}rollback {2}rolled back \(health\) to \/nix\/store\/aaaa-nixos-system-web1$/m);
  t.regex(text, /^Quarantine\n {2}commit 9f8e7d6 is quarantined since 2 minutes ago: health check web failed: HTTP 500, expected 200\n {4}system \/nix\/store\/bbbb-nixos-system-web1$/m);
  t.regex(text, /^After the last reboot: passed \/nix\/store\/aaaa-nixos-system-web1 \(59 minutes ago\)$/m);
  t.is(formatOneline(status, NOW), "↶ origin/main 1a2b3c4 rolled back (3 minutes ago)\n");
  const verifying = sampleStatus({ deployment: sampleDeployment({ status: "verifying", endedAt: null, startedAt: "2026-06-20T09:59:30.000Z" }) });
  t.is(formatOneline(verifying, NOW), "⟳ verifying origin/main 1a2b3c4 (30 seconds ago)\n");
  t.regex(formatStatus(verifying, NOW), /^ {2}status +verifying its health, activated 30 seconds ago$/m);
});
