/**
 * A real OpenSSH server for tests (Debian's `openssh-server`, run as root): its own host key,
 * config, authorized_keys and pid file in a temporary directory, on a free loopback port, serving
 * git repositories through `git-upload-pack` like any forge does. Stopped when the test ends.
 */
import { spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { waitFor } from "./git.js";
import { freePort, type Teardown } from "./temp.js";

export const SSHD = "/usr/sbin/sshd";

export interface Sshd {
  port: number;
  /** `[127.0.0.1]:<port> <type> <key>`: the known_hosts line of this server. */
  knownHostsLine: string;
  /** `ssh://root@127.0.0.1:<port><dir>` */
  url(dir: string): string;
  /** Lines sshd logged so far (connections, authentications). */
  log(): string[];
}

/** A known_hosts line for `host` with a freshly made key: what a changed host key looks like. */
export async function otherHostKeyLine(dir: string, host: string): Promise<string> {
  const file = path.join(dir, `other-host-key-${Math.random().toString(36).slice(2)}`);
  await execa("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", file], { stdin: "ignore" });
  return `${host} ${(await readFile(`${file}.pub`, "utf8")).trim().split(/\s+/).slice(0, 2).join(" ")}`;
}

/** Starts sshd in `dir`, letting in the holders of `authorizedKeys` (public key lines) as root. */
export async function startSshd(t: Teardown, dir: string, authorizedKeys: readonly string[]): Promise<Sshd> {
  await mkdir(dir, { recursive: true });
  // sshd's privilege separation directory, which the system's ssh.service would create.
  await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  const hostKey = path.join(dir, "ssh_host_ed25519_key");
  await execa("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey], { stdin: "ignore" });
  const authorizedKeysFile = path.join(dir, "authorized_keys");
  await writeFile(authorizedKeysFile, authorizedKeys.map((key) => `${key}\n`).join(""), { mode: 0o600 });
  const port = await freePort();
  const config = path.join(dir, "sshd_config");
  await writeFile(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${authorizedKeysFile}`,
      "StrictModes no",
      "UsePAM no",
      "PermitRootLogin prohibit-password",
      "AllowUsers root",
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "AllowTcpForwarding no",
      "X11Forwarding no",
      "PrintMotd no",
      "LogLevel VERBOSE",
      "",
    ].join("\n"),
  );
  await execa(SSHD, ["-t", "-f", config], { stdin: "ignore" });

  const lines: string[] = [];
  const child = spawn(SSHD, ["-D", "-e", "-f", config], { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr.on("data", (chunk: Buffer) => lines.push(...chunk.toString("utf8").split("\n").filter(Boolean)));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  t.teardown(async () => {
    child.kill("SIGTERM");
    await exited;
  });
  await waitFor(() => child.exitCode !== null || lines.some((line) => line.startsWith("Server listening on")), { message: `sshd did not start:\n${lines.join("\n")}` });
  if (child.exitCode !== null) throw new Error(`sshd exited (${child.exitCode}):\n${lines.join("\n")}`);

  const publicHostKey = (await readFile(`${hostKey}.pub`, "utf8")).trim().split(/\s+/).slice(0, 2).join(" ");
  return {
    port,
    knownHostsLine: `[127.0.0.1]:${port} ${publicHostKey}`,
    url: (repo) => `ssh://root@127.0.0.1:${port}${repo}`,
    log: () => [...lines],
  };
}
