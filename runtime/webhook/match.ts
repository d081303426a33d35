/**
 * Which configured remotes a push is about. URLs are compared in a normal form so that the https,
 * ssh and scp-like spellings of one repository match: `host/path`, host lowercased, without
 * scheme, user, port, trailing slash or `.git`. Payload strings are the sender's: they are bounded
 * and handled in linear time.
 */
import type { RepositoryIdentity } from "./payload.js";

/** Longer than any git URL: a longer string in a payload names no remote. */
export const MAX_URL_LENGTH = 2048;

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const SCP_LIKE = /^(?:[^@/\s]+@)?([^:/\s]+):(.*)$/;

function trimSlashes(text: string, side: "start" | "end" | "both"): string {
  let start = 0;
  let end = text.length;
  if (side !== "end") while (start < end && text[start] === "/") start++;
  if (side !== "start") while (end > start && text[end - 1] === "/") end--;
  return text.slice(start, end);
}

function cleanPath(path: string): string {
  let clean = trimSlashes(path, "end");
  if (clean.endsWith(".git")) clean = trimSlashes(clean.slice(0, -".git".length), "end");
  return `/${trimSlashes(clean, "start")}`.replace(/\/{2,}/g, "/");
}

function decodePath(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return null;
  }
}

/** `host/path` for a git URL, or null when it is not one. */
export function normaliseGitUrl(url: string): string | null {
  const trimmed = url.trim();
  if (trimmed === "" || trimmed.length > MAX_URL_LENGTH) return null;
  if (SCHEME.test(trimmed)) {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch {
      return null;
    }
    const path = decodePath(parsed.pathname);
    return path === null ? null : `${parsed.hostname.toLowerCase()}${cleanPath(path)}`;
  }
  if (trimmed.startsWith("/")) return cleanPath(trimmed);
  const scp = SCP_LIKE.exec(trimmed);
  if (scp) return `${(scp[1] ?? "").toLowerCase()}${cleanPath(scp[2] ?? "")}`;
  return null;
}

/**
 * `/owner/repo` (lowercased) for a full name, or null when it has no owner: `infra` alone would
 * name every remote whose path ends in `/infra`.
 */
function fullNameSuffix(fullName: string): string | null {
  if (fullName.length > MAX_URL_LENGTH) return null;
  let name = trimSlashes(fullName.trim(), "both");
  if (name.endsWith(".git")) name = name.slice(0, -".git".length);
  if (!name.includes("/")) return null;
  return `/${name}`.toLowerCase();
}

/**
 * Names of the remotes the push is about; empty when none is. The repository's URLs decide; its
 * full name (`owner/repo`) only when no URL names a remote (a remote reached through another host
 * name), so that a push to one forge does not also fetch a mirror elsewhere with the same path.
 */
export function matchRemotes(remotes: { name: string; url: string }[], repository: RepositoryIdentity): string[] {
  const urls = new Set(repository.urls.map(normaliseGitUrl).filter((url): url is string => url !== null));
  const known = remotes.flatMap((remote) => {
    const url = normaliseGitUrl(remote.url);
    return url === null ? [] : [{ name: remote.name, url }];
  });
  const byUrl = known.filter((remote) => urls.has(remote.url));
  if (byUrl.length > 0) return byUrl.map((remote) => remote.name);
  const suffixes = repository.fullNames.map(fullNameSuffix).filter((suffix): suffix is string => suffix !== null);
  return known.filter((remote) => suffixes.some((suffix) => remote.url.toLowerCase().endsWith(suffix))).map((remote) => remote.name);
}
