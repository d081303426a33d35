# VM test: which branch deploys how (behaviour.md §3, §7). main deploys with `switch` (a new boot
# entry), the machine's testing branch with `test` (none), a testing branch reset onto main brings
# main back, and a force-pushed main is refused, also after a restart, unless allowForcePush.
#
#   git1  git server and author          web1  agent, strict main
#                                        web2  agent, allowForcePush on main
{ self, nixpkgs }:
{ hostPkgs, ... }:
let
  fleet = import ./lib/fleet.nix { inherit self nixpkgs hostPkgs; } {
    scenario = ./fleet/scenarios/branch-semantics.nix;
    hosts = [
      "web1"
      "web2"
    ];
    states = {
      v1.marker = "v1";
      v2.marker = "v2";
      t1.marker = "t1";
      f1.marker = "f1";
    };
  };
in
{
  name = "comin-branch-semantics";
  globalTimeout = 1800;

  nodes = {
    git1 = fleet.gitServer { author = true; };
    web1 = fleet.agent {
      host = "web1";
      states = [
        "v1"
        "v2"
        "t1"
      ];
    };
    web2 = fleet.agent {
      host = "web2";
      states = [
        "v1"
        "v2"
        "f1"
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
      web1_t1 = "${fleet.prebuilt nodes "web1" "t1"}"
      web2_v1 = "${fleet.prebuilt nodes "web2" "v1"}"
      web2_v2 = "${fleet.prebuilt nodes "web2" "v2"}"
      web2_f1 = "${fleet.prebuilt nodes "web2" "f1"}"

      # The repository exists before any agent starts.
      git1.start()
      git1.wait_for_unit("git-daemon.service")
      c1 = git1.succeed(f"{fleet} init ${fleet.source nodes} v1").strip()
      web1.start()
      web2.start()
      web1_backdoor = backdoor_invocation(web1)
      web2_backdoor = backdoor_invocation(web2)
      web1.wait_for_unit("comin.service")
      web2.wait_for_unit("comin.service")

      with subtest("the first deployment is the system prebuilt outside the VM"):
          for agent, expected in ((web1, web1_v1), (web2, web2_v1)):
              assert_prebuilt(agent, c1, expected)
              wait_deployed(agent, c1, "switch", 900)
              t.assertEqual(current_system(agent), expected)
              t.assertEqual(fleet_marker(agent), "v1")
              t.assertEqual(profile_generations(agent), 1, "a switch deployment adds a boot entry")
              t.assertEqual(boot_log(agent), [expected], "the boot loader was installed once, for v1")
          assert_first_switch(web1, web1_backdoor)
          assert_first_switch(web2, web2_backdoor)

      with subtest("main advancing is deployed with switch, as a new boot entry"):
          c2 = git1.succeed(f"{fleet} commit main {c1} v2").strip()
          for agent, expected in ((web1, web1_v2), (web2, web2_v2)):
              status = wait_deployed(agent, c2, "switch")
              t.assertEqual(status["baseline"], c2, "an accepted main becomes the baseline")
              t.assertEqual(current_system(agent), expected)
              t.assertEqual(profile_generations(agent), 2)
              t.assertEqual(boot_log(agent)[-1:], [expected])
              t.assertEqual(len(boot_log(agent)), 2)

      with subtest("the testing branch ahead of main is deployed with test, without a boot entry"):
          web2_fetches = fetch_count(web2, "origin") or 0.0
          t1 = git1.succeed(f"{fleet} commit testing-web1 {c2} t1").strip()
          status = wait_deployed(web1, t1, "test")
          t.assertTrue(status["candidate"]["isTesting"], "the candidate comes from the testing branch")
          t.assertEqual(status["baseline"], c2, "a testing commit never moves the baseline")
          t.assertEqual(current_system(web1), web1_t1)
          t.assertEqual(fleet_marker(web1), "t1")
          t.assertEqual(profile_generations(web1), 2, "test leaves the boot entries alone")
          t.assertEqual(len(boot_log(web1)), 2, "test installs no boot loader entry")
          # testing-web1 is web1's branch only: once web2 has looked at the remote twice since,
          # it still runs main.
          wait_for_fetches(web2, "origin", web2_fetches + 2)
          t.assertEqual(dig(comin_status(web2), "deployment", "commit"), c2)
          t.assertEqual(current_system(web2), web2_v2)

      with subtest("the testing branch reset onto main brings main back, with switch"):
          git1.succeed(f"{fleet} reset testing-web1 {c2}")
          status = wait_deployed(web1, c2, "switch")
          t.assertFalse(status["candidate"]["isTesting"], "main is selected again")
          t.assertEqual(current_system(web1), web1_v2)
          t.assertEqual(fleet_marker(web1), "v2")
          t.assertEqual(profile_generations(web1), 2, "v2 is already the latest boot entry")
          t.assertEqual(boot_log(web1)[-1:], [web1_v2])
          t.assertEqual(len(boot_log(web1)), 3, "switch installs the boot loader again")

      with subtest("a force-pushed main is refused, even after a restart, unless allowForcePush"):
          f1 = git1.succeed(f"{fleet} commit --force main {c1} f1").strip()

          status = wait_deployed(web2, f1, "switch")
          t.assertEqual(status["baseline"], f1, "web2 allows force-pushes: the new head is its baseline")
          t.assertEqual(current_system(web2), web2_f1)
          t.assertEqual(profile_generations(web2), 3)

          refusal = f"main was reset: {f1} is not on top of {c2}"

          def refused(status):
              main = dig(status, "remotes", 0, "main") or {}
              return main.get("commit") == f1 and main.get("error") == refusal

          @polling_condition
          def web1_keeps_v2():
              "web1 keeps running v2"
              return current_system(web1) == web1_v2

          with web1_keeps_v2:  # type: ignore[union-attr]
              status = wait_for_status(web1, "web1 refusing the rewritten main", refused)
              t.assertEqual(status["baseline"], c2)
              t.assertEqual(dig(status, "deployment", "commit"), c2)

              web1.succeed("systemctl restart comin.service")
              web1.wait_for_unit("comin.service")
              # Two fetches since the restart: the agent has selected again from the fetched refs.
              wait_for_fetches(web1, "origin", 2)
              status = wait_for_status(web1, "web1 refusing main after its restart", refused)
              t.assertEqual(status["baseline"], c2, "the baseline survives a restart")
              t.assertEqual(dig(status, "deployment", "commit"), c2)

          t.assertNotIn(f1, [record["commit"] for record in deployments(web1)], "web1 never deployed f1")
          t.assertEqual(current_system(web1), web1_v2)
    '';
}
