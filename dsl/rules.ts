/**
 * Cross-field rules of remotes and branches, and the list of every rule. A rule is a small pure
 * function over one host's configuration that returns the problems it finds with their paths,
 * with the key paths it reads (rule-inputs.ts runs it whenever those are valid). Field-level
 * rules live in the schema.
 */
import type { ConfigIssue } from "./issues.js";
import { checkRulesOnValidInputs, type Rule } from "./rule-inputs.js";
import { SAFETY_RULES } from "./rules-safety.js";
import { TIMING_RULES } from "./rules-timing.js";
import { branchNameProblem, RuntimeConfig, type CominConfig } from "./schema.js";

const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!\/\/)/;

export type UrlKind = "http" | "ssh" | "local" | "git";

export function urlKind(url: string): UrlKind | undefined {
  if (/^https?:\/\/[^/]/.test(url)) return "http";
  if (/^ssh:\/\/[^/]/.test(url) || SCP_LIKE.test(url)) return "ssh";
  if (/^git:\/\/[^/]/.test(url)) return "git";
  if (url.startsWith("/") || url.startsWith("file:///")) return "local";
  return undefined;
}

export const uniqueRemoteNames: Rule = {
  inputs: ["remotes.*.name"],
  check: (config) => {
    const seen = new Map<string, number>();
    const issues: ConfigIssue[] = [];
    config.remotes.forEach((remote, index) => {
      const first = seen.get(remote.name);
      if (first === undefined) seen.set(remote.name, index);
      else issues.push({ path: ["remotes", index, "name"], message: `duplicate remote name "${remote.name}" (also remotes[${first}]): names must be unique` });
    });
    return issues;
  },
};

export const supportedUrls: Rule = {
  inputs: ["remotes.*.url"],
  check: (config) =>
    config.remotes.flatMap((remote, index) => {
      const kind = urlKind(remote.url);
      const path = ["remotes", index, "url"];
      if (!kind) {
        return [{ path, message: `unsupported URL ${JSON.stringify(remote.url)}: expected https://…, ssh://…, user@host:path, git://…, file:///… or an absolute path` }];
      }
      if (/[\s\0]/.test(remote.url)) return [{ path, message: "the URL contains whitespace or a NUL character" }];
      if (kind === "http" && /^https?:\/\/[^/@]*:[^/@]*@/.test(remote.url)) {
        return [{ path, message: "the URL embeds a password: put the token in auth.tokenFile instead" }];
      }
      return [];
    }),
};

export const credentialsMatchUrls: Rule = {
  inputs: ["remotes.*.url", "remotes.*.auth", "remotes.*.allowInsecureHttp"],
  check: (config) =>
    config.remotes.flatMap((remote, index) => {
      const kind = urlKind(remote.url);
      const at = (...keys: string[]) => ["remotes", index, "auth", ...keys];
      const issues: ConfigIssue[] = [];
      const { tokenFile, sshKeyFile, knownHostsFile } = remote.auth;
      if (tokenFile && sshKeyFile) issues.push({ path: at(), message: "set either tokenFile (HTTPS) or sshKeyFile (SSH), not both" });
      if (tokenFile && kind && kind !== "http") {
        issues.push({ path: at("tokenFile"), message: `tokenFile is only used with https:// URLs, and this remote's URL is ${kind}` });
      }
      if (tokenFile && kind === "http" && remote.url.startsWith("http://") && !remote.allowInsecureHttp) {
        issues.push({
          path: at("tokenFile"),
          message: "tokenFile with an http:// URL sends the token in clear to anyone on the network path: use https://, or set allowInsecureHttp: true on this remote if you trust the network",
        });
      }
      if (sshKeyFile && kind && kind !== "ssh") {
        issues.push({ path: at("sshKeyFile"), message: `sshKeyFile is only used with SSH URLs, and this remote's URL is ${kind}` });
      }
      if (knownHostsFile && !sshKeyFile) issues.push({ path: at("knownHostsFile"), message: "knownHostsFile is only used together with sshKeyFile" });
      return issues;
    }),
};

export const branchesDiffer: Rule = {
  inputs: ["hostname", "remotes.*.branches.main.name", "remotes.*.branches.testing.name"],
  check: (config) =>
    config.remotes.flatMap((remote, index) => {
      // Substituted here too: on an invalid configuration the rule sees the names as written.
      const substitute = (name: string) => name.replaceAll("{hostname}", config.hostname);
      const main = substitute(remote.branches.main.name);
      const testing = remote.branches.testing.name === null ? null : substitute(remote.branches.testing.name);
      const issues: ConfigIssue[] = [];
      for (const [key, name] of [["main", main], ["testing", testing]] as const) {
        if (name === null) continue;
        const problem = branchNameProblem(name);
        if (problem) issues.push({ path: ["remotes", index, "branches", key, "name"], message: `invalid branch name ${JSON.stringify(name)}: ${problem}` });
      }
      if (testing !== null && testing === main) {
        issues.push({
          path: ["remotes", index, "branches", "testing", "name"],
          message: `the testing branch must differ from the main branch (both are "${main}"); use null to disable testing`,
        });
      }
      return issues;
    }),
};

export const repositoryShape: Rule = {
  inputs: ["repository.type", "repository.systemAttr"],
  check: (config) => {
    const { type, systemAttr } = config.repository;
    if (type === "flake" && systemAttr !== null) {
      return [{ path: ["repository", "systemAttr"], message: 'systemAttr is only used with type "nix" (a flake deploys nixosConfigurations."<hostname>")' }];
    }
    if (type === "nix" && systemAttr === null) {
      return [{ path: ["repository", "systemAttr"], message: 'type "nix" needs systemAttr: the attribute path of the machine\'s system, e.g. "machines.{hostname}"' }];
    }
    return [];
  },
};

export const RULES: readonly Rule[] = [
  uniqueRemoteNames,
  supportedUrls,
  credentialsMatchUrls,
  branchesDiffer,
  repositoryShape,
  ...TIMING_RULES,
  ...SAFETY_RULES,
];

/** Every rule, on a configuration that passed the schema. */
export function checkRules(config: CominConfig): ConfigIssue[] {
  return RULES.flatMap((rule) => rule.check(config));
}

/** Every rule whose inputs are valid, on a configuration that did not pass the schema. */
export function checkRulesOnInvalid(input: unknown): ConfigIssue[] {
  return checkRulesOnValidInputs(RuntimeConfig, RULES, input);
}
