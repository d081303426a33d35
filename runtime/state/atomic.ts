import { open, rename, unlink } from "node:fs/promises";
import path from "node:path";

let counter = 0;

/**
 * Replaces `file` atomically: a temporary file in the same directory is written and fsynced, then
 * renamed over the target, then the directory is fsynced so the rename itself is durable. A crash
 * at any instant leaves either the old or the new content, never a torn file.
 */
export async function writeFileAtomic(file: string, content: string, mode = 0o600): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${counter++}`);
  const handle = await open(temp, "w", mode);
  try {
    await handle.writeFile(content, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  const dirHandle = await open(dir, "r");
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}
