# VM test: several remotes (behaviour.md §3). The agent follows two git servers holding the same
# repository, origin first. With origin's machine down, and later with origin unreachable (a hung
# connection), deployments go on from the mirror; origin back, the agent follows it again.
#
#   git1  origin: a plain git server, takes pushes from the author
#   git2  mirror: git server and author                     web1  agent
{ self, nixpkgs }:
{ hostPkgs, ... }:
let
  fleet = import ./lib/fleet.nix { inherit self nixpkgs hostPkgs; } {
    scenario = ./fleet/scenarios/remote-failover.nix;
    hosts = [ "web1" ];
    states = {
      v1.marker = "v1";
      v2.marker = "v2";
      v3.marker = "v3";
    };
  };
in
{
  name = "comin-remote-failover";
  globalTimeout = 1800;

  nodes = {
    git1 = fleet.gitServer { };
    git2 = fleet.gitServer { author = true; };
    web1 = fleet.agent {
      host = "web1";
      states = [
        "v1"
        "v2"
        "v3"
      ];
    };
  };

  testScript =
    { nodes, ... }:
    ''
      ${fleet.pythonHelpers}

      fleet = "${fleet.script}"
      web1_v1 = "${fleet.prebuilt nodes "web1" "v1"}"
      web1_v2 = "${fleet.prebuilt nodes "web1" "v2"}"
      web1_v3 = "${fleet.prebuilt nodes "web1" "v3"}"


      def origin_failing(status):
          fetch = dig(status, "remotes", 0, "lastFetch") or {}
          return fetch.get("ok") is False and bool(fetch.get("error"))


      git1.start()
      git2.start()
      git1.wait_for_unit("git-daemon.service")
      git2.wait_for_unit("git-daemon.service")
      # origin takes the author's pushes over git:// (git daemon's receive-pack, as user git).
      git1.succeed(
          "git init -q --bare --initial-branch=main /srv/git/fleet.git",
          "git -C /srv/git/fleet.git config daemon.receivepack true",
          "chown -R git:git /srv/git/fleet.git",
      )
      c1 = git2.succeed(f"{fleet} init ${fleet.source nodes} v1").strip()
      git2.succeed("git -C /root/fleet remote add git1 git://git1/fleet.git")
      git2.succeed(f"{fleet} reset --remote git1 main {c1}")
      web1.start()
      web1_backdoor = backdoor_invocation(web1)
      web1.wait_for_unit("comin.service")

      with subtest("the first deployment is the system prebuilt outside the VM"):
          assert_prebuilt(web1, c1, web1_v1)
          status = wait_deployed(web1, c1, "switch", 900)
          t.assertEqual(status["candidate"]["remote"], "origin", "the first remote in order wins a tie")
          t.assertEqual(current_system(web1), web1_v1)
          assert_first_switch(web1, web1_backdoor)

      with subtest("with origin's machine down, the mirror's new commit is deployed"):
          git1.shutdown()
          c2 = git2.succeed(f"{fleet} commit main {c1} v2").strip()
          status = wait_deployed(web1, c2, "switch")
          t.assertEqual(status["candidate"]["remote"], "mirror")
          t.assertEqual(current_system(web1), web1_v2)
          status = wait_for_status(web1, "origin's fetches failing", origin_failing)
          t.assertTrue(dig(status, "remotes", 1, "lastFetch", "ok"), "the mirror is fetched meanwhile")

      with subtest("origin back, the agent follows it again"):
          git1.start()
          git1.wait_for_unit("git-daemon.service")
          git2.succeed(f"{fleet} reset --remote git1 main {c2}")
          wait_for_status(
              web1,
              "origin fetched again, up to date",
              lambda status: dig(status, "remotes", 0, "lastFetch", "ok") is True
              and dig(status, "remotes", 0, "main", "commit") == c2
              and dig(status, "remotes", 0, "main", "error") is None,
          )
          t.assertEqual(current_system(web1), web1_v2)

      with subtest("a hung origin does not hold deployments from the mirror back"):
          # Unplugged: connections to origin hang until the remote's timeout (10 s).
          git1.block()
          c3 = git2.succeed(f"{fleet} commit main {c2} v3").strip()
          status = wait_deployed(web1, c3, "switch", 300)
          t.assertEqual(status["candidate"]["remote"], "mirror")
          t.assertEqual(current_system(web1), web1_v3)
          wait_for_status(web1, "origin's fetches failing", origin_failing)
          git1.unblock()
    '';
}
