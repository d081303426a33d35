/**
 * Which configured remotes a push is about. URLs are compared in a normal form so that the https,
 * ssh and scp-like spellings of one repository match: `host/path`, host lowercased, without
 * scheme, user, port, trailing slash or `.git`.
 */
import type { RepositoryIdentity } from "./payload.js";

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const SCP_LIKE = /^(?:[^@/\s]+@)?([^:/\s]+):(.*)$/;

function cleanPath(path: string): string {
  let clean = path.replace(/\/+$/, "").replace(/\.git$/, "").replace(/\/+$/, "");
  if (!clean.startsWith("/")) clean = `/${clean}`;
  return clean.replace(/\/{2,}/g, "/");
}

/** `host/path` for a git URL, or null when it is not one. */
export function normaliseGitUrl(url: string): string | null {
  const trimmed = url.trim();
  if (trimmed === "") return null;
  if (SCHEME.test(trimmed)) {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch {
      return null;
    }
    return `${parsed.hostname.toLowerCase()}${cleanPath(decodeURIComponent(parsed.pathname))}`;
  }
  if (trimmed.startsWith("/")) return cleanPath(trimmed);
  const scp = SCP_LIKE.exec(trimmed);
  if (scp) return `${(scp[1] ?? "").toLowerCase()}${cleanPath(scp[2] ?? "")}`;
  return null;
}

/** Whether the remote's path ends with the repository's full name (`owner/repo`). */
function endsWithFullName(normalised: string, fullName: string): boolean {
  const suffix = `/${fullName.replace(/^\/+|\/+$/g, "").replace(/\.git$/, "")}`.toLowerCase();
  return normalised.toLowerCase().endsWith(suffix);
}

/** Names of the remotes the push is about (by URL or full name); empty when none matches. */
export function matchRemotes(remotes: { name: string; url: string }[], repository: RepositoryIdentity): string[] {
  const urls = new Set(repository.urls.map(normaliseGitUrl).filter((url): url is string => url !== null));
  return remotes
    .filter((remote) => {
      const normalised = normaliseGitUrl(remote.url);
      if (normalised === null) return false;
      return urls.has(normalised) || repository.fullNames.some((name) => endsWithFullName(normalised, name));
    })
    .map((remote) => remote.name);
}
