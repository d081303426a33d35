/**
 * The local API's Unix socket: claimed only when no live daemon answers on it, created with mode
 * 0600 so that only root can talk to the daemon (behaviour.md §13; comin's socket is 0777).
 */
import { chmod, lstat, mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import type { Server } from "node:http";
import net from "node:net";
import path from "node:path";

/** The socket path is served by another process, or is not a socket at all. */
export class SocketInUseError extends Error {
  override readonly name = "SocketInUseError";
  constructor(
    readonly socketPath: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Whether something accepts connections on the socket (a live daemon), within `timeoutMs`. */
export function socketAnswers(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ path: socketPath });
    const done = (answers: boolean) => {
      socket.destroy();
      resolve(answers);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Removes a stale socket left by a dead daemon; refuses when a live one answers. */
export async function claimSocketPath(socketPath: string): Promise<void> {
  await mkdir(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  let stats;
  try {
    stats = await lstat(socketPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (!stats.isSocket()) {
    throw new SocketInUseError(socketPath, `${socketPath} exists and is not a socket: refusing to replace it`);
  }
  if (await socketAnswers(socketPath)) {
    throw new SocketInUseError(socketPath, `another comin daemon is already listening on ${socketPath}`);
  }
  await rm(socketPath, { force: true });
}

/**
 * Listens on the socket with mode 0600 before anyone can reach it: the socket is bound inside a
 * fresh private directory (mkdtemp: mode 0700), chmod-ed, then renamed into place. (A umask
 * around listen() would do the same, but the umask is process-wide and cannot be set from a
 * worker thread.)
 */
export async function listenPrivately(server: Server, socketPath: string): Promise<void> {
  const staging = await mkdtemp(path.join(path.dirname(socketPath), ".comin-socket-"));
  try {
    const stagedPath = path.join(staging, "s");
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      server.once("error", onError);
      server.listen(stagedPath, () => {
        server.off("error", onError);
        resolve();
      });
    });
    await chmod(stagedPath, 0o600);
    await rename(stagedPath, socketPath);
  } catch (error) {
    server.close();
    throw error;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
