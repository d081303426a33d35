/** Text of `comin deployment list|latest`, `comin confirmation show` and `comin fetch --wait`. */
import { latestDeployment } from "../history.js";
import type { ConfirmationStatus, FetchedBranch, FetchOutcome, HistoryEntry, PlanJson } from "../types.js";
import { formatDeploymentBlock } from "./format-status.js";
import { formatInstant, formatRelative, shortSha } from "./format-time.js";

function byCreation(records: HistoryEntry[]): HistoryEntry[] {
  return [...records].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Oldest first, one line each; reboots are lines that say `reboot`. */
export function formatDeploymentList(records: HistoryEntry[], now: Date): string {
  if (records.length === 0) return "No deployment yet.\n";
  const rows = byCreation(records).map((record) => {
    if (record.kind === "reboot") return [formatInstant(record.createdAt), "reboot", "", "", "", formatRelative(record.createdAt, now), record.reason];
    const at = record.endedAt ?? record.startedAt ?? record.createdAt;
    return [
      formatInstant(at),
      record.status,
      record.operation ?? "?",
      shortSha(record.commit),
      record.remote && record.branch ? `${record.remote}/${record.branch}` : "",
      formatRelative(at, now),
      record.error ?? record.profilePath ?? "",
    ];
  });
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join("  ").trimEnd()).join("\n") + "\n";
}

export function formatLatestDeployment(records: HistoryEntry[], now: Date): string {
  const latest = latestDeployment(byCreation(records));
  if (!latest) return "No deployment found.\n";
  return `Latest deployment\n${formatDeploymentBlock(latest, now).join("\n")}\n`;
}

export function formatConfirmations(confirmations: ConfirmationStatus[], now: Date): string {
  if (confirmations.length === 0) return "No confirmation is pending.\n";
  return (
    confirmations
      .map((c) => {
        const head = `The ${c.stage} of ${shortSha(c.commit)} (generation ${c.generationId}) waits for a confirmation (submitted ${formatRelative(c.submittedAt, now)})`;
        const how = c.mode === "auto" && c.autoAt ? `it proceeds by itself ${formatRelative(c.autoAt, now)}; \`comin confirmation accept\` proceeds now` : "run `comin confirmation accept` to proceed";
        return `${head}:\n  ${how}`;
      })
      .join("\n") + "\n"
  );
}

export function formatAccepted(accepted: ConfirmationStatus[]): string {
  return accepted.map((c) => `Accepted the ${c.stage} of ${shortSha(c.commit)} (generation ${c.generationId}).`).join("\n") + "\n";
}

/** A remote whose fetch failed or whose head selection refused: `fetch --wait` exits 1. */
export function fetchWentWrong(outcome: FetchOutcome): boolean {
  return !outcome.ok || (outcome.branches ?? []).some((branch) => branch.error !== null);
}

function describeFetchedBranch(branch: FetchedBranch): string {
  if (branch.error !== null) return `${branch.after ? `${shortSha(branch.after)} ` : ""}refused: ${branch.error}`;
  if (branch.after === null) return branch.before === null ? "absent" : `deleted (was ${shortSha(branch.before)})`;
  if (branch.after === branch.before) return `unchanged at ${shortSha(branch.after)}`;
  return branch.before === null ? `new head ${shortSha(branch.after)}` : `new head ${shortSha(branch.after)} (was ${shortSha(branch.before)})`;
}

/** `comin fetch --wait`: per remote, fetched or why not, and per branch what changed (issue 14.6). */
export function formatFetchOutcomes(outcomes: FetchOutcome[]): string {
  const lines = outcomes.flatMap((o) => {
    if (!o.ok) return [`✗ ${o.remote}: fetch failed: ${o.error ?? "unknown error"}`];
    const branches = o.branches ?? [];
    const refused = branches.some((branch) => branch.error !== null);
    const head = refused ? `✗ ${o.remote}: fetched, but a head was refused` : `✓ ${o.remote}: fetched`;
    const width = Math.max(0, ...branches.map((branch) => branch.name.length));
    return [head, ...branches.map((branch) => `    ${branch.name.padEnd(width)}  ${describeFetchedBranch(branch)}`)];
  });
  return `${lines.join("\n")}\n`;
}

/** `comin plan`: the next action in words, the candidate and what holds it back (issue 14.7). */
export function formatPlan(plan: PlanJson): string {
  const lines = [`Next      ${plan.summary}`];
  const candidate = plan.candidate;
  if (candidate) {
    const signature = candidate.signed === null ? "signatures not checked" : candidate.signed ? `signed by ${candidate.signedBy ?? "a trusted key"}` : "not signed by a trusted key";
    lines.push(`Candidate ${shortSha(candidate.commit)} from ${candidate.remote}/${candidate.branch}${candidate.isTesting ? " (testing)" : ""}, ${signature}`);
  } else {
    lines.push("Candidate none selected yet");
  }
  if (plan.operation) lines.push(`Operation ${plan.operation}`);
  lines.push(`System    ${plan.outPath ?? "not evaluated yet"}`);
  lines.push(plan.blockers.length === 0 ? "Blockers  none" : "Blockers");
  for (const blocker of plan.blockers) lines.push(`  ${blocker.kind}: ${blocker.message}`);
  return `${lines.join("\n")}\n`;
}
