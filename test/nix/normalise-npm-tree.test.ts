/**
 * nix/normalise-npm-tree.sh: what npm leaves besides the packages (its bookkeeping, bin links,
 * modes, empty scope directories) never reaches the hash, and the packages' content always does.
 */
import { access, chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test, { type ExecutionContext } from "ava";
import { execa } from "execa";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const NORMALISER = path.join(REPO_ROOT, "nix", "normalise-npm-tree.sh");

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "comin-normalise-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A project directory holding a small node_modules tree, as `npm ci` lays it out. */
async function writeTree(root: string, indexSource = "export const answer = 42;\n"): Promise<string> {
  const modules = path.join(root, "node_modules");
  await mkdir(path.join(modules, "pkg", "bin"), { recursive: true });
  await writeFile(path.join(modules, "pkg", "package.json"), '{"name":"pkg","version":"1.0.0","bin":"bin/tool.js"}\n');
  await writeFile(path.join(modules, "pkg", "index.js"), indexSource);
  await writeFile(path.join(modules, "pkg", "bin", "tool.js"), "#!/usr/bin/env node\n");
  return modules;
}

/** What one npm version or configuration adds on top of the same tree. */
async function addNpmBookkeeping(modules: string): Promise<void> {
  await writeFile(path.join(modules, ".package-lock.json"), '{"lockfileVersion":3}\n');
  await mkdir(path.join(modules, ".bin"));
  await symlink("../pkg/bin/tool.js", path.join(modules, ".bin", "tool"));
  await mkdir(path.join(modules, "pkg", "node_modules", ".bin"), { recursive: true });
  await symlink("../../bin/tool.js", path.join(modules, "pkg", "node_modules", ".bin", "tool"));
  await mkdir(path.join(modules, "@types", "empty"), { recursive: true });
  await chmod(path.join(modules, "pkg", "bin", "tool.js"), 0o755);
  await chmod(path.join(modules, "pkg", "index.js"), 0o600);
  await chmod(path.join(modules, "pkg"), 0o700);
}

async function normalise(modules: string) {
  return execa("sh", [NORMALISER, modules], { reject: false, stdin: "ignore", timeout: 30_000 });
}

async function hashPath(dir: string): Promise<string> {
  const result = await execa("nix", ["--extra-experimental-features", "nix-command", "hash", "path", "--type", "sha256", "--sri", dir], { stdin: "ignore", timeout: 30_000 });
  return result.stdout.trim();
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function mode(file: string): Promise<string> {
  return ((await stat(file)).mode & 0o777).toString(8);
}

test("removes npm's hidden lockfile, every bin link directory and empty directories", async (t) => {
  const modules = await writeTree(await tempDir(t));
  await addNpmBookkeeping(modules);

  const result = await normalise(modules);

  t.is(result.exitCode, 0, result.stderr);
  t.false(await exists(path.join(modules, ".package-lock.json")));
  t.false(await exists(path.join(modules, ".bin")));
  t.false(await exists(path.join(modules, "pkg", "node_modules")), "a nested node_modules left empty by its .bin is removed");
  t.false(await exists(path.join(modules, "@types")));
  t.is(await readFile(path.join(modules, "pkg", "index.js"), "utf8"), "export const answer = 42;\n");
});

test("gives every directory mode 755 and every file mode 644", async (t) => {
  const modules = await writeTree(await tempDir(t));
  await addNpmBookkeeping(modules);

  await normalise(modules);

  t.is(await mode(path.join(modules, "pkg")), "755");
  t.is(await mode(path.join(modules, "pkg", "index.js")), "644");
  t.is(await mode(path.join(modules, "pkg", "bin", "tool.js")), "644");
});

test("two installs that differ only by npm's bookkeeping hash the same", async (t) => {
  const plain = await tempDir(t);
  const noisy = await tempDir(t);
  const plainModules = await writeTree(plain);
  const noisyModules = await writeTree(noisy);
  await addNpmBookkeeping(noisyModules);
  const before = [await hashPath(plain), await hashPath(noisy)];

  await normalise(plainModules);
  await normalise(noisyModules);

  t.not(before[0], before[1], "the fixture's noise must be visible to the hash at first");
  t.is(await hashPath(plain), await hashPath(noisy));
});

test("a change in a package's content changes the hash", async (t) => {
  const original = await tempDir(t);
  const changed = await tempDir(t);
  await normalise(await writeTree(original));
  await normalise(await writeTree(changed, "export const answer = 43;\n"));

  const hashes = [await hashPath(original), await hashPath(changed)];

  t.not(hashes[0], hashes[1]);
});

test("refuses a missing directory with a usage message", async (t) => {
  const missing = path.join(await tempDir(t), "node_modules");

  const result = await normalise(missing);

  t.is(result.exitCode, 2);
  t.regex(result.stderr, /usage: normalise-npm-tree\.sh NODE_MODULES_DIR/);
});
