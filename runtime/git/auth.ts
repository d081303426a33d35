/**
 * Credentials of one remote, as environment for `git fetch`. The HTTPS token goes through
 * GIT_ASKPASS: git runs a fixed script that reads the token file, so the token is never in argv,
 * in a URL, in the environment or in a log. SSH gets a fixed command with the key, the
 * known_hosts file and strict host checking.
 */
import { readFile, writeFile, chmod } from "node:fs/promises";
import { join } from "node:path";
import type { RemoteConfig } from "../../dsl/schema.js";
import { GitError } from "./run.js";

/**
 * Fixed content, no data from repositories: git passes its prompt ("Username for …",
 * "Password for …") as $1; the answers come from variables that hold a user name and a file path.
 * The token is the file's first line with surrounding whitespace removed.
 */
const ASKPASS_SCRIPT = `#!/bin/sh
# Written by comin: answers git's credential prompts. Never prints its arguments.
case "$1" in
  Username*) printf '%s\\n' "$COMIN_GIT_USERNAME" ;;
  *)
    IFS= read -r token < "$COMIN_GIT_TOKEN_FILE" || [ -n "$token" ] || exit 1
    token="\${token#"\${token%%[![:space:]]*}"}"
    token="\${token%"\${token##*[![:space:]]}"}"
    printf '%s\\n' "$token"
    ;;
esac
`;

/** Writes the askpass script into `dir` (owner-only) and returns its path. */
export async function writeAskpassScript(dir: string): Promise<string> {
  const path = join(dir, "comin-askpass.sh");
  await writeFile(path, ASKPASS_SCRIPT, { mode: 0o700 });
  await chmod(path, 0o700);
  return path;
}

export interface RemoteAuthEnvironment {
  env: Record<string, string>;
  /** The token, so that error messages can be scrubbed of it. */
  secrets: string[];
}

export async function remoteAuthEnvironment(remote: RemoteConfig, askpassPath: string): Promise<RemoteAuthEnvironment> {
  const env: Record<string, string> = { GIT_SSH_COMMAND: sshCommand(remote.auth), GIT_SSH_VARIANT: "ssh" };
  const secrets: string[] = [];
  const { tokenFile } = remote.auth;
  if (tokenFile !== null) {
    let token: string;
    try {
      token = (await readFile(tokenFile, "utf8")).split(/\r?\n/)[0]?.trim() ?? "";
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
      throw new GitError("failed", `cannot read the token file ${tokenFile} of remote ${remote.name} (${code})`, null, { cause: error });
    }
    if (token === "") throw new GitError("failed", `the token file ${tokenFile} of remote ${remote.name} is empty`, null);
    secrets.push(token);
    env.GIT_ASKPASS = askpassPath;
    env.COMIN_GIT_USERNAME = remote.auth.username;
    env.COMIN_GIT_TOKEN_FILE = tokenFile;
  } else {
    // Nothing to answer: git fails at once instead of asking.
    env.GIT_ASKPASS = "/bin/false";
  }
  return { env, secrets };
}

/**
 * git runs GIT_SSH_COMMAND through a shell, so every value is single-quoted. The values are
 * paths from the configuration; nothing from a repository is ever part of it.
 */
export function sshCommand(auth: RemoteConfig["auth"]): string {
  const args = ["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"];
  if (auth.sshKeyFile !== null) args.push("-i", auth.sshKeyFile, "-o", "IdentitiesOnly=yes");
  if (auth.knownHostsFile !== null) args.push("-o", `UserKnownHostsFile=${sshOptionValue(auth.knownHostsFile)}`);
  return args.map(shellQuote).join(" ");
}

function sshOptionValue(value: string): string {
  // ssh splits an option's value on whitespace unless it is double-quoted.
  return /\s/.test(value) ? `"${value}"` : value;
}

export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
