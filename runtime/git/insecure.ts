/**
 * Settings of the agent's environment that silently weaken git's transport security. git reads
 * them itself (the wrapper keeps GIT_SSL_* for a private CA, see run.ts), so the agent can only
 * say so, loudly, at start-up.
 */

export interface InsecureGitSetting {
  variable: string;
  effect: string;
}

export function insecureGitEnvironment(env: Readonly<Record<string, string | undefined>>): InsecureGitSetting[] {
  const found: InsecureGitSetting[] = [];
  // git tests only that the variable exists: even an empty or "false" value turns the checks off.
  if (env.GIT_SSL_NO_VERIFY !== undefined) {
    found.push({
      variable: "GIT_SSL_NO_VERIFY",
      effect: "git does not verify the TLS certificates of HTTPS remotes: anyone on the path can serve any commit (use GIT_SSL_CAINFO to trust a private CA)",
    });
  }
  return found;
}
