/** Remote names asked for by a request (API, webhook, CLI), checked against the configured ones. */

/** Why a request names remotes that are not configured; null when all are known. */
export function unknownRemotes(requested: readonly string[], known: readonly string[]): string | null {
  const unknown = requested.filter((name) => !known.includes(name));
  if (unknown.length === 0) return null;
  return `unknown remote ${unknown.map((name) => JSON.stringify(name)).join(", ")} (configured: ${known.join(", ")})`;
}
