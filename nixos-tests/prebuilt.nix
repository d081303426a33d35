# VM test: prebuilt systems from a binary cache (behaviour.md §15). git1 is the forge, the CI and
# the cache: `comin publish` evaluates and builds web1's system there (prebuilt outside the VM into
# git1's store only, so the build has nothing to do), signs it with the test key, copies it into
# /srv/nix-cache, which nginx serves on http://git1, and pushes the manifest note. web1 never has
# the system in its store before the deployment: it substitutes it, without evaluating.
#
#   git1  git server, CI (comin publish) and HTTP binary cache          web1  agent (prebuilt)
{ self, nixpkgs }:
{ hostPkgs, ... }:
let
  fleet = import ./lib/fleet.nix { inherit self nixpkgs hostPkgs; } {
    scenario = ./fleet/scenarios/prebuilt.nix;
    hosts = [ "web1" ];
    states = {
      v1.marker = "v1";
      v2.marker = "v2";
    };
  };

  # What CI runs, with the repository's settings for the one host (a comin.config.ts of its own,
  # outside the fleet repository; no import needed for a plain object).
  fleetConfig = hostPkgs.writeText "comin.config.ts" ''
    export default {
      remotes: [{ name: "origin", url: "git://git1/fleet.git" }],
      hosts: { web1: {} },
    };
  '';

  ci =
    { nodes, lib, pkgs, ... }:
    {
      imports = [ (fleet.gitServer { author = true; }) ];
      environment.systemPackages = [ self.packages.${pkgs.stdenv.hostPlatform.system}.comin ];
      environment.etc."comin-ci/cache.secret" = {
        source = ./lib/test-cache.secret;
        mode = "0400";
      };
      environment.etc."comin-ci/comin.config.ts".source = fleetConfig;
      services.nginx = {
        enable = true;
        virtualHosts.git1.root = "/srv/nix-cache";
      };
      systemd.tmpfiles.rules = [ "d /srv/nix-cache 0755 root root -" ];
      networking.firewall.allowedTCPPorts = [ 80 ];
      virtualisation = {
        # CI evaluates NixOS (one to two GiB), and the cache holds a copy of web1's closure.
        memorySize = lib.mkForce 4096;
        diskSize = 8192;
        additionalPaths = [
          (fleet.prebuilt nodes "web1" "v1")
          (fleet.prebuilt nodes "web1" "v2")
        ];
      };
    };
in
{
  name = "comin-prebuilt";
  globalTimeout = 2400;

  nodes = {
    git1 = ci;
    # No prebuilt system in its store: whatever it deploys, it substituted.
    web1 = fleet.agent {
      host = "web1";
      states = [ ];
    };
  };

  testScript =
    { nodes, ... }:
    ''
      ${fleet.pythonHelpers}

      fleet = "${fleet.script}"
      web1_v1 = "${fleet.prebuilt nodes "web1" "v1"}"
      web1_v2 = "${fleet.prebuilt nodes "web1" "v2"}"
      ci_env = "GIT_AUTHOR_NAME=CI GIT_AUTHOR_EMAIL=ci@test.invalid GIT_COMMITTER_NAME=CI GIT_COMMITTER_EMAIL=ci@test.invalid"
      publish = f"{ci_env} comin publish /etc/comin-ci/comin.config.ts --repository /root/fleet --to 'file:///srv/nix-cache?compression=none' --push origin"


      def substitution_failed(commit):
          def check(status):
              generation = status.get("generation") or {}
              return generation.get("commit") == commit and dig(generation, "build", "status") == "failed"

          return check


      git1.start()
      git1.wait_for_unit("git-daemon.service")
      git1.wait_for_unit("nginx.service")
      c1 = git1.succeed(f"{fleet} init ${fleet.source nodes} v1").strip()
      web1.start()
      web1_backdoor = backdoor_invocation(web1)
      web1.wait_for_unit("comin.service")
      web1.fail(f"nix-store --check-validity {web1_v1}")

      with subtest("the first deployment is the system prebuilt outside the VM"):
          git1.succeed(f"{publish} --sign-key /etc/comin-ci/cache.secret >&2")
          status = assert_prebuilt(web1, c1, web1_v1)
          t.assertEqual(status["generation"]["source"], "prebuilt", "web1 did not evaluate")
          t.assertEqual(status["generation"]["eval"]["error"], "prebuilt")
          status = wait_deployed(web1, c1, "switch", 900)
          t.assertEqual(current_system(web1), web1_v1)
          t.assertEqual(fleet_marker(web1), "v1")
          assert_first_switch(web1, web1_backdoor)

      with subtest("a commit without a manifest waits for one"):
          c2 = git1.succeed(f"{fleet} commit main {c1} v2").strip()
          status = wait_for_status(web1, "web1 waiting for the manifest of c2", lambda s: (s.get("pending") or "").startswith(f"waiting for a prebuilt system of {c2}"))
          t.assertEqual(dig(status, "deployment", "commit"), c1)

      with subtest("a system signed by a key web1 does not trust is refused, nothing deployed"):
          git1.succeed("nix-store --generate-binary-cache-key stranger-1 /root/stranger.secret /root/stranger.public")
          git1.succeed(f"{publish} --sign-key /root/stranger.secret >&2")
          status = wait_for_status(web1, "web1 refusing the untrusted system", substitution_failed(c2))
          t.assertIn("is not signed by any of the keys in 'trusted-public-keys'", status["generation"]["build"]["error"])
          t.assertEqual(dig(status, "deployment", "commit"), c1, "web1 keeps what it runs")
          t.assertEqual(current_system(web1), web1_v1)
          web1.fail(f"nix-store --check-validity {web1_v2}")
    '';
}
