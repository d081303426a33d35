/**
 * `comin plan`: what the agent would do now and why, from the pure planner's answer and the state
 * (issue 14.7). Pure and side-effect free: the planner is asked, nothing is applied. Blockers say
 * what holds the candidate back: suspension, a confirmation, quarantine, a reboot window, the
 * machine-id guard, the signature gate (and the other refusals of selection), a scheduled retry.
 */
import { REBOOT_WINDOW } from "../reboot/policy.js";
import type { State } from "../state/state.js";
import type { ConfirmationStatus, Operation, PlanBlocker, PlanJson } from "../types.js";
import { targets, type Action } from "./plan.js";

export interface ExplainInput {
  state: State;
  action: Action;
  hostMachineId: string | null;
  confirmations: readonly ConfirmationStatus[];
  /** The action's words as status shows them (the reboot window named). */
  words: string | null;
}

/** Quarantine arrives with the health feature (§14): read it when the state carries it. */
function quarantined(state: State, commit: string): { reason?: string } | undefined {
  const list = state.quarantine;
  return Array.isArray(list) ? list.find((entry) => entry.commit === commit) : undefined;
}

function blockersOf(input: ExplainInput): PlanBlocker[] {
  const { state, action } = input;
  const blockers: PlanBlocker[] = [];
  if (state.suspended) blockers.push({ kind: "suspended", message: "suspended: builds and deployments wait for `comin resume`" });
  for (const confirmation of input.confirmations) {
    const when = confirmation.autoAt ? `, or by itself at ${confirmation.autoAt}` : "";
    blockers.push({ kind: "confirmation", message: `the ${confirmation.stage} of ${confirmation.commit.slice(0, 7)} waits for \`comin confirmation accept\`${when}` });
  }
  const candidate = state.candidate;
  const entry = candidate ? quarantined(state, candidate.commit) : undefined;
  if (candidate && entry) blockers.push({ kind: "quarantine", message: `${candidate.commit.slice(0, 7)} is quarantined${entry.reason ? `: ${entry.reason}` : ""} (\`comin quarantine clear\`)` });
  if (action.kind === "wait" && action.why === REBOOT_WINDOW) blockers.push({ kind: "window", message: input.words ?? REBOOT_WINDOW });
  const generation = state.generations.at(-1);
  if (generation && candidate && targets(generation, candidate) && generation.machineId !== null && generation.machineId !== input.hostMachineId) {
    blockers.push({ kind: "machine-id", message: `the system is for machine ${generation.machineId}, this machine is ${input.hostMachineId ?? "unknown"}` });
  }
  for (const [remote, branches] of Object.entries(state.branches)) {
    for (const branch of [branches.main, branches.testing]) {
      if (!branch.error) continue;
      const kind = /not signed/.test(branch.error) ? "signatures" : "selection";
      blockers.push({ kind, message: `${remote}/${branch.name ?? "?"}: ${branch.error}` });
    }
  }
  if (state.retry) blockers.push({ kind: "retry", message: `the ${state.retry.stage} is retried at ${state.retry.dueAt}` });
  return blockers;
}

function operationOf(state: State, action: Action): Operation | null {
  if (action.kind === "deploy") return action.operation;
  const generation = state.generations.at(-1);
  return generation && state.candidate && targets(generation, state.candidate) ? generation.operation : null;
}

export function explainPlan(input: ExplainInput): PlanJson {
  const { state, action } = input;
  const candidate = state.candidate;
  const generation = state.generations.at(-1);
  const current = generation && candidate && targets(generation, candidate) ? generation : null;
  return {
    action: action.kind,
    summary: summarise(action, input.words, candidate?.commit ?? null),
    candidate: candidate ? { commit: candidate.commit, remote: candidate.remote, branch: candidate.branch, isTesting: candidate.isTesting, signed: candidate.signed, signedBy: candidate.signedBy } : null,
    operation: operationOf(state, action),
    outPath: current?.outPath ?? null,
    blockers: blockersOf(input),
  };
}

function summarise(action: Action, words: string | null, commit: string | null): string {
  const short = commit ? commit.slice(0, 7) : "?";
  switch (action.kind) {
    case "new-generation":
      return `evaluate ${action.candidate.commit.slice(0, 7)} from ${action.candidate.remote}/${action.candidate.branch} (a new candidate)`;
    case "evaluate":
      return `evaluate ${short}`;
    case "build":
      return `build ${short}`;
    case "deploy":
      return `${action.operation} ${short}: ${action.reason}`;
    case "ask-confirmation":
      return `ask for a confirmation of the ${action.stage} of ${short}`;
    case "already-deployed":
      return `nothing to deploy: ${short} is already the current system`;
    case "reboot":
      return `reboot: ${action.reason}`;
    case "cancel":
      return `cancel the ${action.stage} (${action.reason})`;
    case "retry":
    case "schedule-retry":
      return `retry the ${action.stage} of ${short}`;
    case "restart":
      return `start the ${action.stage} of ${short} again`;
    case "machine-id-mismatch":
      return `stop: ${action.message}`;
    case "wait":
      return `wait: ${words ?? action.why}`;
    case "idle":
      return action.why ? `nothing to do: ${action.why}` : "nothing to do: the current candidate is deployed";
    case "verify":
      return "verify the health of the deployed system";
    case "verify-boot":
      return "verify the health of the system booted into";
    case "rollback":
      return "roll back to the previous system";
  }
}
