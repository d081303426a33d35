/**
 * `comin status` for people (sections, relative times) and for status bars (`--oneline`).
 * Pure functions of the status and a clock, so the output is tested against fixed text.
 */
import type { BranchStatus, DeploymentRecord, GenerationRecord, RemoteStatus, StageStatus, StatusJson } from "../types.js";
import { healthRows, quarantineLines } from "./format-health.js";
import { elapsedBetween, formatInstant, formatRelative, shortSha } from "./format-time.js";

type Stage = GenerationRecord["eval"];

/** "done 3 minutes ago (took 12s)", "running, started 1 minute ago", "failed 2 minutes ago: …". */
/** §15: evaluated here or published by CI; and why a published system was not used. */
function describeSource(generation: { source?: "local" | "prebuilt" | null; prebuiltMiss?: { reason: string; waitingSince: string | null } | null }): string | null {
  const miss = generation.prebuiltMiss;
  if (generation.source === "prebuilt") return "prebuilt (substituted from the binary cache)";
  // Machines without `prebuilt` always evaluate here: nothing worth a line.
  if (generation.source === "local") return miss ? `local (no usable prebuilt system: ${miss.reason})` : null;
  return miss?.waitingSince ? "waiting for a prebuilt system" : null;
}

export function describeStage(stage: Stage | { status: StageStatus | DeploymentRecord["status"]; error: string | null; startedAt: string | null; endedAt: string | null }, now: Date): string {
  const ended = stage.endedAt ? formatRelative(stage.endedAt, now) : null;
  const took = elapsedBetween(stage.startedAt, stage.endedAt);
  switch (stage.status) {
    case "pending":
      return "waiting to start";
    case "running":
      return stage.startedAt ? `running, started ${formatRelative(stage.startedAt, now)}` : "running";
    case "done":
      return `done${ended ? ` ${ended}` : ""}${took ? ` (took ${took})` : ""}`;
    case "failed":
      return `failed${ended ? ` ${ended}` : ""}${stage.error ? `: ${stage.error}` : ""}`;
    case "cancelled":
      return `cancelled${ended ? ` ${ended}` : ""}${stage.error ? `: ${stage.error}` : ""}`;
    case "skipped":
      return `skipped${stage.error ? `: ${stage.error}` : ""}`;
    case "verifying":
      return `verifying its health, activated ${stage.startedAt ? formatRelative(stage.startedAt, now) : ""}`.trimEnd();
    case "rolled-back":
      return `rolled back${ended ? ` ${ended}` : ""}${stage.error ? `: ${stage.error}` : ""}`;
  }
}

function describeFetch(remote: RemoteStatus, now: Date): string {
  const fetch = remote.lastFetch;
  if (!fetch) return "not fetched yet";
  if (fetch.ok) return `fetched ${formatRelative(fetch.at, now)}`;
  return `fetch failed ${formatRelative(fetch.at, now)}: ${fetch.error ?? "unknown error"}`;
}

function describeBranch(branch: BranchStatus, lastFetch: RemoteStatus["lastFetch"]): string {
  if (branch.name === null) return "disabled";
  const unknown = lastFetch === null ? "not fetched yet" : lastFetch.ok ? "absent" : "unknown";
  const head = branch.commit ? `${branch.name} at ${shortSha(branch.commit)}` : `${branch.name} (${unknown})`;
  return branch.error ? `${head}: ${branch.error}` : head;
}

/** The same words as the remote block's refusals: signed by whom, or why it was not checked. */
function describeSignature(candidate: NonNullable<StatusJson["candidate"]>, status: StatusJson): string {
  if (candidate.signed === true) return `signed by ${candidate.signedBy ?? "a trusted key"}`;
  if (candidate.signed === false) return "not signed by a trusted key";
  if (status.signatureTrust) return "signature not checked: selected before signature trust was configured";
  return "signatures not checked (no trusted keys configured)";
}

/** The Problems block: what is wrong now, each with what it concerns (issue 14.4). */
function problemLines(status: StatusJson, now: Date): string[] {
  const problems = status.problems ?? [];
  if (problems.length === 0) return [];
  return [
    "",
    "Problems",
    ...problems.flatMap((problem) => {
      const since = problem.since ? ` (${formatRelative(problem.since, now)})` : "";
      const [first = "", ...rest] = problem.message.split("\n");
      return [`  ✗ ${problem.subject}: ${first}${since}`, ...rest.map((line) => `      ${line}`)];
    }),
  ];
}

function firstLine(message: string | null | undefined): string | null {
  const line = message?.split("\n")[0]?.trim();
  return line ? line : null;
}

/** Rows of `label  value`; a multi-line value (a Nix error) continues indented under its first line. */
function labelled(rows: [string, string | null][], indent = "  "): string[] {
  const present = rows.filter((row): row is [string, string] => row[1] !== null);
  const width = Math.max(0, ...present.map(([label]) => label.length));
  const under = " ".repeat(indent.length + width + 4);
  return present.flatMap(([label, value]) => {
    const [first = "", ...rest] = value.replace(/\r\n/g, "\n").replace(/\n+$/, "").split("\n");
    return [`${indent}${label.padEnd(width)}  ${first}`, ...rest.map((line) => `${under}${line}`)];
  });
}

function pendingLines(status: StatusJson, now: Date): string[] {
  const lines: string[] = [];
  for (const confirmation of status.confirmations) {
    const what = `the ${confirmation.stage} of ${shortSha(confirmation.commit)}`;
    lines.push(
      confirmation.autoAt
        ? `${what} proceeds by itself ${formatRelative(confirmation.autoAt, now)}, or now with \`comin confirmation accept\``
        : `${what} waits for \`comin confirmation accept\``,
    );
  }
  if (status.retry) {
    const { stage, attempt, of, at } = status.retry;
    lines.push(`retry ${attempt}/${of} of the ${stage} ${formatRelative(at, now)} (${formatInstant(at)})`);
  }
  // The daemon's own summary, unless it only repeats what the lines above already say.
  if (status.pending && !(status.confirmations.length > 0 && /confirm/.test(status.pending)) && !(status.retry && status.pending.startsWith("retry"))) {
    lines.push(status.pendingUntil ? `${status.pending} (${formatRelative(status.pendingUntil, now)})` : status.pending);
  }
  return lines;
}

/** §16: the reboot slot, when coordination is set. */
function rebootLockRow(status: StatusJson): [string, string][] {
  const lock = status.rebootLock;
  if (!lock) return [];
  const held = lock.held ? "this machine holds a slot" : "no slot held here";
  const slots = lock.slots === null ? "" : `, ${lock.holders.length}/${lock.slots} taken`;
  return [["Reboot lock", `group ${lock.group}${slots}; ${held}${lock.error ? `; error: ${lock.error}` : ""}`]];
}

export function formatStatus(status: StatusJson, now: Date): string {
  const out: string[] = [];
  out.push(
    ...labelled(
      [
        ["Host", status.hostname],
        ["Agent", `comin ${status.version}, started ${formatRelative(status.startedAt, now)}`],
        ["Suspended", status.suspended ? "yes: builds and deployments wait for `comin resume`" : "no"],
        ["Need to reboot", status.needToReboot ? `yes${status.needToRebootReason ? ` (${status.needToRebootReason})` : ""}` : "no"],
        ...rebootLockRow(status),
        ["Baseline", status.baseline ? shortSha(status.baseline) : "none yet"],
      ],
      "",
    ),
  );

  out.push(...problemLines(status, now));

  out.push("", "Remotes");
  for (const remote of status.remotes) {
    out.push(`  ${remote.name}  ${remote.url}${status.fetching ? "  (fetching…)" : ""}`);
    out.push(
      ...labelled(
        [
          ["last fetch", describeFetch(remote, now)],
          ["main", describeBranch(remote.main, remote.lastFetch)],
          ["testing", describeBranch(remote.testing, remote.lastFetch)],
        ],
        "    ",
      ),
    );
  }

  out.push("", "Candidate");
  const candidate = status.candidate;
  if (!candidate) {
    out.push("  none selected yet");
  } else {
    out.push(`  ${candidate.remote}/${candidate.branch} ${shortSha(candidate.commit)}${candidate.isTesting ? " (testing)" : ""}, ${describeSignature(candidate, status)}`);
    const message = firstLine(candidate.message);
    if (message) out.push(`  "${message}"`);
  }

  out.push("", "Generation");
  const generation = status.generation;
  if (!generation) {
    out.push("  none yet");
  } else {
    out.push(`  ${shortSha(generation.commit)} from ${generation.remote}/${generation.branch}, for ${generation.operation} (${generation.id})`);
    out.push(
      ...labelled([
        ["evaluation", describeStage(generation.eval, now)],
        ["build", describeStage(generation.build, now)],
        ["system", generation.outPath],
        ["source", describeSource(generation)],
      ]),
    );
  }

  out.push("", "Deployment");
  const deployment = status.deployment;
  if (!deployment) {
    out.push("  none yet");
  } else {
    out.push(...formatDeploymentBlock(deployment, now));
  }

  const pending = pendingLines(status, now);
  out.push("", "Pending");
  const problems = status.problems?.length ?? 0;
  out.push(...(pending.length > 0 ? pending.map((line) => `  ${line}`) : [problems > 0 ? `  nothing (${problems} problem${problems === 1 ? "" : "s"} above)` : "  nothing"]));

  out.push(...quarantineLines(status, now));
  if (status.lastReboot) {
    const reboot = status.lastReboot;
    out.push("", `Last reboot ${formatRelative(reboot.at, now)}: ${reboot.reason}`);
  }
  return `${out.join("\n")}\n`;
}

/** The lines describing one deployment record (also used by `comin deployment latest`). */
export function formatDeploymentBlock(deployment: DeploymentRecord, now: Date): string[] {
  const from = deployment.remote && deployment.branch ? ` from ${deployment.remote}/${deployment.branch}` : "";
  const inhibited =
    deployment.operationSubmitted && deployment.operation && deployment.operationSubmitted !== deployment.operation
      ? ` (${deployment.operationSubmitted} requested)`
      : "";
  const lines = [`  ${deployment.operation ?? "?"}${inhibited} of ${shortSha(deployment.commit)}${from} (${deployment.id})`];
  return lines.concat(
    labelled([
      ["status", describeStage(deployment, now)],
      ["reason", deployment.reason],
      ["profile", deployment.profilePath],
      ["system", deployment.outPath],
      ...healthRows(deployment),
    ]),
  );
}
