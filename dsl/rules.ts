/**
 * Cross-field rules: small pure functions over one resolved host configuration, each returning
 * the problems it finds with their paths. Field-level rules live in the schema.
 */
import { formatDuration } from "./duration.js";
import type { CominConfig, DayName, RebootWindowConfig } from "./schema.js";
import { branchNameProblem, DAYS } from "./schema.js";
import type { ConfigIssue } from "./issues.js";
import { SAFETY_RULES } from "./rules-safety.js";

type Rule = (config: CominConfig) => ConfigIssue[];

const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!\/\/)/;

export type UrlKind = "http" | "ssh" | "local" | "git";

export function urlKind(url: string): UrlKind | undefined {
  if (/^https?:\/\/[^/]/.test(url)) return "http";
  if (/^ssh:\/\/[^/]/.test(url) || SCP_LIKE.test(url)) return "ssh";
  if (/^git:\/\/[^/]/.test(url)) return "git";
  if (url.startsWith("/") || url.startsWith("file:///")) return "local";
  return undefined;
}

export const uniqueRemoteNames: Rule = (config) => {
  const seen = new Map<string, number>();
  const issues: ConfigIssue[] = [];
  config.remotes.forEach((remote, index) => {
    const first = seen.get(remote.name);
    if (first === undefined) seen.set(remote.name, index);
    else issues.push({ path: ["remotes", index, "name"], message: `duplicate remote name "${remote.name}" (also remotes[${first}]): names must be unique` });
  });
  return issues;
};

export const supportedUrls: Rule = (config) =>
  config.remotes.flatMap((remote, index) => {
    const kind = urlKind(remote.url);
    const issues: ConfigIssue[] = [];
    if (!kind) {
      issues.push({
        path: ["remotes", index, "url"],
        message: `unsupported URL ${JSON.stringify(remote.url)}: expected https://…, ssh://…, user@host:path, git://…, file:///… or an absolute path`,
      });
    } else if (/[\s\0]/.test(remote.url)) {
      issues.push({ path: ["remotes", index, "url"], message: "the URL contains whitespace or a NUL character" });
    } else if (kind === "http" && /^https?:\/\/[^/@]*:[^/@]*@/.test(remote.url)) {
      issues.push({ path: ["remotes", index, "url"], message: "the URL embeds a password: put the token in auth.tokenFile instead" });
    }
    const { tokenFile, sshKeyFile, knownHostsFile } = remote.auth;
    if (tokenFile && sshKeyFile) {
      issues.push({ path: ["remotes", index, "auth"], message: "set either tokenFile (HTTPS) or sshKeyFile (SSH), not both" });
    }
    if (tokenFile && kind && kind !== "http") {
      issues.push({ path: ["remotes", index, "auth", "tokenFile"], message: `tokenFile is only used with https:// URLs, and this remote's URL is ${kind}` });
    }
    if (tokenFile && kind === "http" && remote.url.startsWith("http://") && !remote.allowInsecureHttp) {
      issues.push({
        path: ["remotes", index, "auth", "tokenFile"],
        message: "tokenFile with an http:// URL sends the token in clear to anyone on the network path: use https://, or set allowInsecureHttp: true on this remote if you trust the network",
      });
    }
    if (sshKeyFile && kind && kind !== "ssh") {
      issues.push({ path: ["remotes", index, "auth", "sshKeyFile"], message: `sshKeyFile is only used with SSH URLs, and this remote's URL is ${kind}` });
    }
    if (knownHostsFile && !sshKeyFile) {
      issues.push({ path: ["remotes", index, "auth", "knownHostsFile"], message: "knownHostsFile is only used together with sshKeyFile" });
    }
    return issues;
  });

export const branchesDiffer: Rule = (config) =>
  config.remotes.flatMap((remote, index) => {
    const { main, testing } = remote.branches;
    const issues: ConfigIssue[] = [];
    for (const [key, name] of [["main", main.name], ["testing", testing.name]] as const) {
      if (name === null) continue;
      const problem = branchNameProblem(name);
      if (problem) issues.push({ path: ["remotes", index, "branches", key, "name"], message: `invalid branch name ${JSON.stringify(name)}: ${problem}` });
    }
    if (testing.name !== null && testing.name === main.name) {
      issues.push({
        path: ["remotes", index, "branches", "testing", "name"],
        message: `the testing branch must differ from the main branch (both are "${main.name}"); use null to disable testing`,
      });
    }
    return issues;
  });

export const positiveDurations: Rule = (config) => {
  const issues: ConfigIssue[] = [];
  for (const key of ["eval", "build", "switch"] as const) {
    if (config.timeouts[key] < 1) issues.push({ path: ["timeouts", key], message: "a timeout must be at least 1s" });
  }
  config.remotes.forEach((remote, index) => {
    if (remote.timeout < 1) issues.push({ path: ["remotes", index, "timeout"], message: "a fetch timeout must be at least 1s" });
    const { interval, jitter } = remote.poll;
    if (interval > 0 && jitter >= interval) {
      issues.push({
        path: ["remotes", index, "poll", "jitter"],
        message: `jitter (${formatDuration(jitter)}) must be shorter than the interval (${formatDuration(interval)})`,
      });
    }
  });
  if (config.retries.backoff > config.retries.maxBackoff) {
    issues.push({
      path: ["retries", "backoff"],
      message: `backoff (${formatDuration(config.retries.backoff)}) is longer than maxBackoff (${formatDuration(config.retries.maxBackoff)})`,
    });
  }
  for (const stage of ["build", "deploy"] as const) {
    const confirmation = config.confirm[stage];
    if (confirmation.mode === "auto" && confirmation.after < 1) {
      issues.push({ path: ["confirm", stage, "after"], message: 'the "auto" confirmation needs a delay of at least 1s; use mode "without" to proceed at once' });
    }
  }
  return issues;
};

export const repositoryShape: Rule = (config) => {
  const { type, systemAttr } = config.repository;
  if (type === "flake" && systemAttr !== null) {
    return [{ path: ["repository", "systemAttr"], message: 'systemAttr is only used with type "nix" (a flake deploys nixosConfigurations."<hostname>")' }];
  }
  if (type === "nix" && systemAttr === null) {
    return [{ path: ["repository", "systemAttr"], message: 'type "nix" needs systemAttr: the attribute path of the machine\'s system, e.g. "machines.{hostname}"' }];
  }
  return [];
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

export const sensibleWindows: Rule = (config) => {
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
};

export const distinctListeners: Rule = (config) => {
  const { exporter, webhook } = config;
  if (exporter && webhook && exporter.port === webhook.port) {
    const shared = exporter.listenAddress === webhook.listenAddress || [exporter.listenAddress, webhook.listenAddress].some((a) => a === "0.0.0.0" || a === "::");
    if (shared) return [{ path: ["webhook", "port"], message: `port ${webhook.port} is already used by the exporter` }];
  }
  return [];
};

export const RULES: readonly Rule[] = [
  uniqueRemoteNames,
  supportedUrls,
  branchesDiffer,
  positiveDurations,
  repositoryShape,
  sensibleWindows,
  distinctListeners,
  ...SAFETY_RULES,
];

export function checkRules(config: CominConfig): ConfigIssue[] {
  return RULES.flatMap((rule) => rule(config));
}
