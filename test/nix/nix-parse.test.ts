/**
 * Every Nix file of the repository parses, committed or generated. Nothing can evaluate the flake,
 * the package or the module on these machines (no nixpkgs), so a syntax error would otherwise
 * show only on a user's machine.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { execa } from "execa";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Build outputs, dependencies and dot-directories (git, transient demo state) are not sources. */
function isSourceDir(name: string): boolean {
  return name !== "node_modules" && name !== "dist" && !name.startsWith(".");
}

function findNixFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
    const relative = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory() && isSourceDir(entry.name)) found.push(...findNixFiles(relative));
    else if (entry.isFile() && entry.name.endsWith(".nix")) found.push(relative);
  }
  return found.sort();
}

async function parseNix(file: string) {
  return execa("nix-instantiate", ["--parse", file], { cwd: REPO_ROOT, reject: false, stdin: "ignore", timeout: 30_000 });
}

const nixFiles = findNixFiles("");

/** What VM tests evaluate a second time inside a VM, where only identical store paths work. */
const EVALUATED_IN_VM = ["flake.nix", "nix/package.nix", "nix/npm-deps.nix", "nix/module.nix"];

test("the flake, package, module and VM test list are among the files checked", (t) => {
  const expected = [...EVALUATED_IN_VM, "nix/generated-check.nix", "nixos-tests/default.nix", "test/nix/options.stub.nix"];

  const missing = expected.filter((file) => !nixFiles.includes(file));

  t.deepEqual(missing, [], `not found under ${REPO_ROOT}`);
});

for (const file of nixFiles) {
  test(`${file} parses`, async (t) => {
    const result = await parseNix(file);

    t.false(result.timedOut, "nix-instantiate --parse timed out");
    t.is(result.exitCode, 0, result.stderr);
  });
}

// Comments are gone from the parsed form, so only real attribute accesses match.
const PER_COMMIT_ATTRIBUTE = /\.(?:rev|shortRev|dirtyRev|dirtyShortRev|revCount|lastModified|lastModifiedDate)\b/g;

for (const file of EVALUATED_IN_VM) {
  test(`${file} reads nothing that changes per commit (self.rev, lastModified, ...)`, async (t) => {
    const result = await parseNix(file);

    t.is(result.exitCode, 0, result.stderr);
    t.deepEqual(result.stdout.match(PER_COMMIT_ATTRIBUTE) ?? [], [], "VM tests re-evaluate this file in a copy of the flake without git metadata");
  });
}
