/**
 * A large fleet repository made in seconds with `git fast-import`: `commits` commits on main over
 * a tree of `files` files spread over directories of 100 (a flat 5,000-entry root tree would make
 * every commit carry a 200 kB tree). The first commit adds every file; each later one changes one.
 */
import { execa } from "execa";
import { GIT_ENV } from "../test/helpers/daemon.js";

export interface BigRepoShape {
  commits: number;
  files: number;
  /** Files per directory. @default 100 */
  filesPerDirectory?: number;
}

const EPOCH = 1_700_000_000;
const COMMITTER = "Fleet Admin <admin@example.org>";

export function filePath(index: number, filesPerDirectory = 100): string {
  return `dir-${String(Math.floor(index / filesPerDirectory)).padStart(3, "0")}/file-${String(index).padStart(5, "0")}.nix`;
}

function data(text: string): string {
  return `data ${Buffer.byteLength(text)}\n${text}\n`;
}

function fileContent(index: number, version: number): string {
  return `{ file = ${index}; version = ${version}; }\n`;
}

function commitHeader(ref: string, sequence: number, message: string): string {
  return `commit ${ref}\ncommitter ${COMMITTER} ${EPOCH + sequence} +0000\n${data(message)}`;
}

/** The fast-import stream of a whole repository of this shape, on refs/heads/main. */
export function fastImportStream(shape: BigRepoShape): string {
  const perDirectory = shape.filesPerDirectory ?? 100;
  const parts: string[] = [commitHeader("refs/heads/main", 0, "add every file")];
  for (let file = 0; file < shape.files; file++) parts.push(`M 100644 inline ${filePath(file, perDirectory)}\n${data(fileContent(file, 0))}`);
  for (let commit = 1; commit < shape.commits; commit++) {
    const file = commit % shape.files;
    // Without `from`, fast-import continues the branch from the previous commit of this stream.
    parts.push(commitHeader("refs/heads/main", commit, `change file ${file}`), `M 100644 inline ${filePath(file, perDirectory)}\n${data(fileContent(file, commit))}`);
  }
  return parts.join("");
}

/** One more commit on main of a repository made by `fastImportStream`. */
export function nextCommitStream(sequence: number, files: number, filesPerDirectory = 100): string {
  const file = sequence % files;
  return `${commitHeader("refs/heads/main", sequence, `change file ${file}`)}from refs/heads/main^0\nM 100644 inline ${filePath(file, filesPerDirectory)}\n${data(fileContent(file, sequence))}`;
}

/** Feeds a stream to `git fast-import` in the bare repository `gitDir`. */
export async function fastImport(gitDir: string, stream: string): Promise<void> {
  await execa("git", ["-c", "core.hooksPath=/dev/null", "fast-import", "--quiet"], {
    env: { ...GIT_ENV, GIT_DIR: gitDir },
    input: stream,
  });
}
