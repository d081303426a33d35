/**
 * Turns git's stderr into a one-line error that is safe to show in status, logs and metrics:
 * credentials removed, progress and hints dropped.
 */

/** `scheme://user:password@host` and `scheme://token@host`: the user-info part is replaced. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@'"]+@/gi;

export function scrubCredentials(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(URL_USERINFO, "$1***@");
  for (const secret of secrets) {
    if (secret !== "") out = out.split(secret).join("***");
  }
  return out;
}

const MAX_SUMMARY = 500;

/**
 * The lines that explain the failure: git's `fatal:`/`error:` lines when there are any, otherwise
 * the last non-empty lines. Hints and progress meters are noise in a status line.
 */
export function stderrSummary(stderr: string): string {
  const lines = stderr
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("hint:"));
  const important = lines.filter((line) => /^(fatal|error):/i.test(line));
  const chosen = important.length > 0 ? important : lines.slice(-3);
  const summary = chosen.join("; ");
  return summary.length > MAX_SUMMARY ? `${summary.slice(0, MAX_SUMMARY - 1)}…` : summary;
}
