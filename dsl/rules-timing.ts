/**
 * Cross-field rules of durations, reboot windows and listeners (see rules.ts for what a rule is).
 */
import { formatDuration } from "./duration.js";
import type { ConfigIssue } from "./issues.js";
import type { Rule } from "./rule-inputs.js";
import { DAYS, type DayName, type RebootWindowConfig } from "./schema.js";

export const positiveTimeouts: Rule = {
  inputs: ["timeouts", "remotes.*.timeout"],
  check: (config) => {
    const issues: ConfigIssue[] = [];
    for (const key of ["eval", "build", "switch"] as const) {
      if (config.timeouts[key] < 1) issues.push({ path: ["timeouts", key], message: "a timeout must be at least 1s" });
    }
    config.remotes.forEach((remote, index) => {
      if (remote.timeout < 1) issues.push({ path: ["remotes", index, "timeout"], message: "a fetch timeout must be at least 1s" });
    });
    return issues;
  },
};

export const jitterBelowInterval: Rule = {
  inputs: ["remotes.*.poll"],
  check: (config) =>
    config.remotes.flatMap((remote, index) => {
      const { interval, jitter } = remote.poll;
      if (interval === 0 || jitter < interval) return [];
      return [{ path: ["remotes", index, "poll", "jitter"], message: `jitter (${formatDuration(jitter)}) must be shorter than the interval (${formatDuration(interval)})` }];
    }),
};

export const backoffBelowMaximum: Rule = {
  inputs: ["retries.backoff", "retries.maxBackoff"],
  check: ({ retries }) =>
    retries.backoff > retries.maxBackoff
      ? [{ path: ["retries", "backoff"], message: `backoff (${formatDuration(retries.backoff)}) is longer than maxBackoff (${formatDuration(retries.maxBackoff)})` }]
      : [],
};

export const autoConfirmationDelay: Rule = {
  inputs: ["confirm"],
  check: (config) =>
    (["build", "deploy"] as const).flatMap((stage) => {
      const confirmation = config.confirm[stage];
      if (confirmation.mode !== "auto" || confirmation.after >= 1) return [];
      return [{ path: ["confirm", stage, "after"], message: 'the "auto" confirmation needs a delay of at least 1s; use mode "without" to proceed at once' }];
    }),
};

function minutes(time: string): number {
  const [hours = 0, mins = 0] = time.split(":").map(Number);
  return hours * 60 + mins;
}

/** Minutes of the week covered by a window, as [start, end) ranges (end may exceed one week). */
function weekRanges(window: RebootWindowConfig): [number, number][] {
  const from = minutes(window.from);
  let to = minutes(window.to);
  if (to <= from) to += 24 * 60;
  return window.days.map((day: DayName) => {
    const start = DAYS.indexOf(day) * 24 * 60 + from;
    return [start, start + (to - from)];
  });
}

function overlaps(a: [number, number], b: [number, number]): boolean {
  const week = 7 * 24 * 60;
  for (const shift of [-week, 0, week]) {
    if (a[0] < b[1] + shift && b[0] + shift < a[1]) return true;
  }
  return false;
}

export const sensibleWindows: Rule = {
  inputs: ["reboot.windows"],
  check: (config) => {
    const issues: ConfigIssue[] = [];
    const windows = config.reboot.windows;
    windows.forEach((window, index) => {
      const path = ["reboot", "windows", index];
      if (window.from === window.to) {
        issues.push({ path: [...path, "to"], message: `the window is empty: from and to are both ${window.from}` });
      }
      const duplicate = window.days.find((day, i) => window.days.indexOf(day) !== i);
      if (duplicate) issues.push({ path: [...path, "days"], message: `day "${duplicate}" is listed twice` });
      for (let other = 0; other < index; other++) {
        const previous = windows[other];
        if (!previous || previous.timeZone !== window.timeZone || window.from === window.to || previous.from === previous.to) continue;
        const clash = weekRanges(window).some((a) => weekRanges(previous).some((b) => overlaps(a, b)));
        if (clash) issues.push({ path, message: `this window overlaps reboot.windows[${other}]: merge them into one` });
      }
    });
    return issues;
  },
};

export const distinctListeners: Rule = {
  inputs: ["exporter", "webhook"],
  check: ({ exporter, webhook }) => {
    if (!exporter || !webhook || exporter.port !== webhook.port) return [];
    const shared = exporter.listenAddress === webhook.listenAddress || [exporter.listenAddress, webhook.listenAddress].some((a) => a === "0.0.0.0" || a === "::");
    return shared ? [{ path: ["webhook", "port"], message: `port ${webhook.port} is already used by the exporter` }] : [];
  },
};

export const TIMING_RULES: readonly Rule[] = [positiveTimeouts, jitterBelowInterval, backoffBelowMaximum, autoConfirmationDelay, sensibleWindows, distinctListeners];
