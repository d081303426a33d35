/**
 * Compares and writes `comin generate`'s output directory. Writing is all-or-nothing as far as a
 * file system allows: every new text is first written to a temporary file in the directory (a
 * failure there removes the temporaries and leaves the directory as it was), then each is renamed
 * over its target. A `<host>.json` of a host that is gone is removed only when it is ours (it
 * carries `"schemaVersion"`); other JSON files in the directory are left alone.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";

export class OutputWriteError extends Error {
  override readonly name = "OutputWriteError";
}

export interface DirComparison {
  /** Expected files whose content differs. */
  stale: string[];
  /** Expected files that do not exist. */
  missing: string[];
  /** Our JSON files (with "schemaVersion") that are no longer generated. */
  extra: string[];
  unchanged: string[];
  /** JSON files that are not ours: never touched, only mentioned. */
  foreign: string[];
}

/** The file's text; `undefined` when absent; `null` when something else than a file is there. */
async function readIfExists(file: string): Promise<string | undefined | null> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "EISDIR") return null;
    throw error;
  }
}

function isOurs(text: string): boolean {
  try {
    const data: unknown = JSON.parse(text);
    return typeof data === "object" && data !== null && !Array.isArray(data) && "schemaVersion" in data;
  } catch {
    return false;
  }
}

export async function compareOutputDir(dir: string, files: ReadonlyMap<string, string>): Promise<DirComparison> {
  const result: DirComparison = { stale: [], missing: [], extra: [], unchanged: [], foreign: [] };
  for (const [name, content] of files) {
    const current = await readIfExists(path.join(dir, name));
    if (current === undefined) result.missing.push(name);
    else if (current === content) result.unchanged.push(name);
    else result.stale.push(name);
  }
  let entries: string[] = [];
  try {
    entries = (await readdir(dir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  for (const name of entries) {
    if (!name.endsWith(".json") || files.has(name)) continue;
    const text = await readIfExists(path.join(dir, name));
    if (text === undefined || text === null) continue;
    (isOurs(text) ? result.extra : result.foreign).push(name);
  }
  return result;
}

async function writeDurably(file: string, content: string): Promise<void> {
  const handle = await open(file, "wx", 0o644);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface WriteReport extends DirComparison {
  written: string[];
  removed: string[];
}

/** Brings `dir` to exactly `files` (plus foreign files), touching only what changed. */
export async function writeOutputDir(dir: string, files: ReadonlyMap<string, string>): Promise<WriteReport> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new OutputWriteError(`cannot create ${dir}: ${(error as Error).message}`, { cause: error });
  }
  const comparison = await compareOutputDir(dir, files);
  const toWrite = [...comparison.missing, ...comparison.stale];
  // A rename onto a directory would fail half-way through; find that before changing anything.
  for (const name of toWrite) {
    const target = await stat(path.join(dir, name)).catch(() => undefined);
    if (target?.isDirectory()) throw new OutputWriteError(`cannot write ${path.join(dir, name)}: a directory is in the way; nothing was changed`);
  }
  const suffix = `${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  const temporaries = new Map(toWrite.map((name) => [name, path.join(dir, `.${name}.${suffix}`)]));
  try {
    for (const [name, temporary] of temporaries) await writeDurably(temporary, files.get(name) ?? "");
  } catch (error) {
    await Promise.all([...temporaries.values()].map((temporary) => rm(temporary, { force: true })));
    throw new OutputWriteError(`cannot write into ${dir}: ${(error as Error).message}; nothing was changed`, { cause: error });
  }
  try {
    for (const [name, temporary] of temporaries) await rename(temporary, path.join(dir, name));
    for (const name of comparison.extra) await rm(path.join(dir, name), { force: true });
    await syncDir(dir);
  } catch (error) {
    await Promise.all([...temporaries.values()].map((temporary) => rm(temporary, { force: true })));
    throw new OutputWriteError(`cannot update ${dir}: ${(error as Error).message}`, { cause: error });
  }
  return { ...comparison, written: toWrite, removed: comparison.extra };
}

/** For tests and tools that write a single generated file. */
export async function writeFileAtomically(file: string, content: string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
  try {
    await writeFile(temporary, content);
    await rename(temporary, file);
  } finally {
    await rm(temporary, { force: true });
  }
}
