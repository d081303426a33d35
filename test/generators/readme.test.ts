/**
 * The README's `nix run` / `nix build` lines name real flake references: a `github:OWNER/comin`
 * form whose OWNER the README explains, or `.#<attr>` of this flake, whose packages are read
 * from flake.nix with real Nix (nixpkgs stubbed: only the attribute names are needed).
 */
import test from "ava";
import { execa } from "execa";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { REPO } from "./example-helpers.js";

const STUB_NIXPKGS = `{
  lib = {
    genAttrs = names: f: builtins.listToAttrs (map (name: { inherit name; value = f name; }) names);
    optionalAttrs = cond: attrs: if cond then attrs else { };
  };
  legacyPackages = throw "the package set is not needed for attribute names";
}`;

async function flakePackageNames(): Promise<string[]> {
  const expression = `let
    flake = import ./flake.nix;
    self = flake.outputs { inherit self; nixpkgs = ${STUB_NIXPKGS}; };
  in builtins.attrNames self.packages.x86_64-linux`;
  const { stdout } = await execa("nix-instantiate", ["--eval", "--strict", "--json", "--expr", expression], { cwd: REPO, stdin: "ignore", timeout: 60_000 });
  return JSON.parse(stdout) as string[];
}

test("every nix run/build reference in the README is a real flake reference", async (t) => {
  const readme = await readFile(path.join(REPO, "README.md"), "utf8");
  const references = [...readme.matchAll(/nix (?:run|build) ([^\s`]+)/g)].map((match) => match[1] ?? "");
  const packages = await flakePackageNames();

  t.true(references.length >= 2, references.join(", "));
  for (const reference of references) {
    const local = /^\.#([A-Za-z0-9_-]+)$/.exec(reference);
    if (local) t.true(packages.includes(local[1] ?? ""), `${reference}: this flake has packages ${packages.join(", ")}`);
    else t.regex(reference, /^github:OWNER\/comin$/, `${reference}: not a flake reference of this project`);
  }
  t.regex(readme, /`OWNER` is the GitHub user or organisation/);
  t.notRegex(readme, /<you>/);
});
