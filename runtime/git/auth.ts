/**
 * Credentials of one remote, as environment for `git fetch`. The HTTPS token goes through
 * GIT_ASKPASS: git runs a fixed script that reads the token file, so the token is never in argv,
 * in a URL, in the environment or in a log. SSH gets a fixed command with the key, the
 * known_hosts file and strict host checking. Every file is checked before git runs, so that a
 * missing file reads as such rather than as git's "Could not read from remote repository".
 */
import { constants } from "node:fs";
import { chmod, open, readFile, writeFile } from "node:fs/promises";
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
  await checkSshFiles(remote);
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
 * What ssh would otherwise only hint at (a missing key is a warning, after which it tries without
 * it) or hide behind "Host key verification failed" (an empty known_hosts file).
 */
async function checkSshFiles(remote: RemoteConfig): Promise<void> {
  const { sshKeyFile, knownHostsFile } = remote.auth;
  if (sshKeyFile !== null) {
    const what = `the SSH key file ${sshKeyFile} of remote ${remote.name}`;
    const { mode, uid } = await readRegularFile(sshKeyFile, what, false);
    // ssh's own rule (sshkey_perm_ok): a key of ours that others may read is ignored.
    if (uid === process.getuid?.() && (mode & 0o077) !== 0) {
      throw new GitError("failed", `${what} is accessible by other users (mode ${(mode & 0o777).toString(8).padStart(4, "0")}): ssh ignores such a key; make it 0600`, null);
    }
  }
  if (knownHostsFile !== null) {
    const what = `the known_hosts file ${knownHostsFile} of remote ${remote.name}`;
    const { text } = await readRegularFile(knownHostsFile, what, true);
    const entries = text.split("\n").filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"));
    if (entries.length === 0) throw new GitError("failed", `${what} has no host keys: ssh cannot verify any server with it`, null);
  }
}

async function readRegularFile(file: string, what: string, content: boolean): Promise<{ mode: number; uid: number; text: string }> {
  try {
    // O_NONBLOCK: a FIFO in place of the file must not hang the fetch.
    const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new GitError("failed", `${what} is not a regular file`, null);
      return { mode: info.mode, uid: info.uid, text: content ? await handle.readFile("utf8") : "" };
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof GitError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    throw new GitError("failed", `cannot read ${what} (${code})`, null, { cause: error });
  }
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
