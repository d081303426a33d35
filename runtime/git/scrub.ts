/**
 * Turns git's stderr (and that of the ssh it runs) into a one-line error that is safe to show in
 * status, logs and metrics: credentials removed, progress and hints dropped.
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
 * ssh's own reasons, which git follows with the same "Could not read from remote repository" for
 * a changed host key (a possible man-in-the-middle), an unknown host, a missing or unusable key
 * and a refused one: without them, these failures all look alike.
 */
const SSH_REASONS = [
  /REMOTE HOST IDENTIFICATION HAS CHANGED/,
  /^Host key for .* has changed/,
  /^No \S+ host key is known for /,
  /^Host key verification failed/,
  /^Warning: Identity file .* not accessible/,
  /^Load key .*:/,
  /Permission denied \(/,
  /^ssh: /,
  /^kex_exchange_identification: /,
  /^Connection (closed|reset) by /,
];

/**
 * The lines that explain the failure: ssh's reasons and git's `fatal:`/`error:` lines when there
 * are any, otherwise the last non-empty lines. Hints and progress meters are noise in a status line.
 */
export function stderrSummary(stderr: string): string {
  const lines = stderr
    .split(/\r?\n|\r/)
    .map((line) => line.replace(/^@+|@+$/g, "").trim())
    .filter((line) => line !== "" && !line.startsWith("hint:"));
  const ssh = lines.filter((line) => SSH_REASONS.some((reason) => reason.test(line)));
  const git = lines.filter((line) => /^(fatal|error):/i.test(line));
  const important = [...new Set([...ssh, ...git])];
  const chosen = important.length > 0 ? important : lines.slice(-3);
  const summary = chosen.join("; ");
  return summary.length > MAX_SUMMARY ? `${summary.slice(0, MAX_SUMMARY - 1)}…` : summary;
}
