/**
 * Plan A of the VM tests, end to end, with a stand-in nixpkgs: the systems nixos-tests/lib/fleet.nix
 * prebuilds OUTSIDE the VM are the ones the agent's own evaluation (runtime/nix/evaluate.ts) finds
 * in the fleet repository that nixos-tests/lib/fleet.sh authors INSIDE it (flake.nix filled in
 * from fleet/flake.nix.in, hosts.nix, state.json, the network files, `nix flake lock`).
 *
 * The stand-in's nixosSystem is a derivation of everything a real one receives: the host and
 * state, each module (files by content), the nixpkgs and comin store paths with their context, and
 * nixpkgs' revision. Equal derivations here mean both sides hand NixOS the same inputs. (Nix 2.8,
 * on these machines, only accepts `lastModified=0` in a `path:` URL of a store path, so the
 * stand-in's nixpkgs has revision but no date; the VMs' newer Nix takes both.)
 */
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import test from "ava";
import { execa } from "execa";
import { evaluateGeneration } from "../../runtime/nix/evaluate.js";
import { tempDir } from "../helpers/nix.js";
import { REPO_ROOT, evalJson } from "./evaluate.js";

const FLEET_SH = path.join(REPO_ROOT, "nixos-tests", "lib", "fleet.sh");
const REV = "0123456789abcdef0123456789abcdef01234567";

const FAKE_NIXPKGS_LIB = `
nixpkgs: {
  nixosSystem = { specialArgs, modules }:
    let
      describe = module:
        if builtins.isPath module then builtins.hashFile "sha256" module
        else if builtins.isString module then module
        else if builtins.isFunction module then "<function>"
        else builtins.toJSON module;
    in {
      config.services.comin.machineId = null;
      config.system.build.toplevel = derivation {
        name = "nixos-system-\${specialArgs.fleetHost}";
        system = "x86_64-linux";
        builder = "/bin/sh";
        args = [ "-c" "echo > $out" ];
        fleet = builtins.toJSON {
          inherit (specialArgs) fleetHost fleetState;
          modules = map describe modules;
          nixpkgs = { inherit (nixpkgs) outPath; rev = nixpkgs.rev or null; lastModified = nixpkgs.lastModified or null; };
        };
      };
    };
}
`;

const FAKE_COMIN_FLAKE = `{
  # Its own nixpkgs input is never fetched: the fleet flake makes it follow its nixpkgs.
  inputs.nixpkgs.url = "path:/nonexistent/nixpkgs";
  outputs = { self, nixpkgs }: { nixosModules.default = { fakeCominModule = true; }; };
}
`;

/** A directory added to the store under the name `source`, as flake inputs are. */
async function addSource(dir: string): Promise<string> {
  const { stdout } = await execa("nix", ["--extra-experimental-features", "nix-command", "eval", "--impure", "--raw", "--expr", `builtins.path { path = ${dir}; name = "source"; }`], {
    stdin: "ignore",
  });
  return stdout.trim();
}

interface Outside {
  files: { name: string; text: string | null; path: string | null }[];
  prebuilt: Record<string, { drv: string; out: string }>;
}

test("the agent's evaluation in the VM finds exactly the systems prebuilt outside it", async (t) => {
  const dir = await tempDir(t, "comin-vm-plan-a-");
  await mkdir(path.join(dir, "nixpkgs", "nixos", "lib", "testing"), { recursive: true });
  await writeFile(path.join(dir, "nixpkgs", "flake.nix"), "{ outputs = { self }: { lib = import ./lib.nix self; }; }\n");
  await writeFile(path.join(dir, "nixpkgs", "lib.nix"), FAKE_NIXPKGS_LIB);
  await writeFile(path.join(dir, "nixpkgs", "nixos", "lib", "testing", "nixos-test-base.nix"), "{ }\n");
  await mkdir(path.join(dir, "comin"));
  await writeFile(path.join(dir, "comin", "flake.nix"), FAKE_COMIN_FLAKE);
  const nixpkgsSource = await addSource(path.join(dir, "nixpkgs"));
  const cominSource = await addSource(path.join(dir, "comin"));

  // Outside: what the test's Nix code prebuilds and writes into the fleet repository.
  const outside = await evalJson<Outside>(`
    let
      stubs = import ./test/nixos-tests/stubs.nix;
      nixpkgs = {
        outPath = builtins.storePath "${nixpkgsSource}";
        rev = "${REV}";
        lastModified = 0;
        lib = import "${nixpkgsSource}/lib.nix" nixpkgs;
      };
      comin = {
        outPath = builtins.storePath "${cominSource}";
        inherit ((import "${cominSource}/flake.nix").outputs { self = comin; inherit nixpkgs; }) nixosModules;
      };
      fleet = import ./nixos-tests/lib/fleet.nix { self = comin; inherit nixpkgs; inherit (stubs) hostPkgs; } {
        scenario = ./nixos-tests/fleet/scenarios/branch-semantics.nix;
        hosts = [ "web1" "web2" ];
        states = {
          v1.marker = "v1";
          v2 = { marker = "v2"; initrdMarker = "2"; };
        };
      };
      nodes = stubs.nodesOf { web1 = null; web2 = null; };
      system = host: state: let top = fleet.prebuilt nodes host state; in { drv = top.drvPath; out = top.outPath; };
    in {
      files = map (file: {
        inherit (file) name;
        text = file.text or null;
        path = if file ? path then toString file.path else null;
      }) (fleet.sourceFiles nodes);
      prebuilt = { web1-v1 = system "web1" "v1"; web1-v2 = system "web1" "v2"; web2-v1 = system "web2" "v1"; };
    }
  `);
  // Inside: the author writes the repository from those files; the agent evaluates its commits.
  const source = path.join(dir, "fleet-source");
  for (const file of outside.files) {
    const target = path.join(source, file.name);
    await mkdir(path.dirname(target), { recursive: true });
    if (file.path !== null) await copyFile(file.path, target);
    else await writeFile(target, file.text ?? "");
  }
  const bare = path.join(dir, "fleet.git");
  const env = { FLEET_WORKTREE: path.join(dir, "work"), FLEET_BARE: bare, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", HOME: dir };
  const author = async (...args: string[]) => (await execa("bash", [FLEET_SH, ...args], { env, stdin: "ignore" })).stdout.trim();
  const c1 = await author("init", source, "v1");
  const c2 = await author("commit", "main", c1, "v2");
  const evaluate = (commit: string, hostname: string) =>
    evaluateGeneration({
      repoDir: bare,
      commit,
      hostname,
      repository: { type: "flake", subdir: ".", submodules: false, systemAttr: null },
      timeoutSec: 120,
      workDir: dir,
    });

  const web1AtC1 = await evaluate(c1, "web1");
  const web1AtC2 = await evaluate(c2, "web1");
  const web2AtC1 = await evaluate(c1, "web2");

  t.deepEqual({ drv: web1AtC1.drvPath, out: web1AtC1.outPath }, outside.prebuilt["web1-v1"]);
  t.deepEqual({ drv: web1AtC2.drvPath, out: web1AtC2.outPath }, outside.prebuilt["web1-v2"]);
  t.deepEqual({ drv: web2AtC1.drvPath, out: web2AtC1.outPath }, outside.prebuilt["web2-v1"]);
  t.not(web1AtC1.drvPath, web1AtC2.drvPath, "the state reaches the system");
  t.not(web1AtC1.drvPath, web2AtC1.drvPath, "the host reaches the system");
  t.is(web1AtC1.machineId, null);
});
