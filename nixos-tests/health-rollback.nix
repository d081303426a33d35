# VM test: health checks, automatic rollback and quarantine (behaviour.md §14) with real systemd
# units. The fleet's service fleet-app.service runs in v1 and v4. In v2 it fails to start:
# switch-to-configuration exits non-zero and the agent returns to v1 (trigger `activation`, the
# profile's bad generation removed) and quarantines the commit; a commit on top with the same
# system stays out. In v3 the unit is gone: the activation succeeds, the `systemdUnit` check
# fails (trigger `health`), back to v1 again. v4 deploys; then `comin rollback` by hand, and
# `comin quarantine clear`.
#
#   git1  git server and author          web1  agent with a health check of fleet-app.service
{ self, nixpkgs }:
{ hostPkgs, ... }:
let
  fleet = import ./lib/fleet.nix { inherit self nixpkgs hostPkgs; } {
    scenario = ./fleet/scenarios/health-rollback.nix;
    hosts = [ "web1" ];
    states = {
      v1 = {
        marker = "v1";
        app = "ok";
      };
      v2 = {
        marker = "v2";
        app = "fails";
      };
      v3 = {
        marker = "v3";
        app = "absent";
      };
      v4 = {
        marker = "v4";
        app = "ok";
      };
    };
  };
in
{
  name = "comin-health-rollback";
  globalTimeout = 2400;

  nodes = {
    git1 = fleet.gitServer { author = true; };
    web1 = fleet.agent {
      host = "web1";
      states = [
        "v1"
        "v2"
        "v3"
        "v4"
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
      web1_v4 = "${fleet.prebuilt nodes "web1" "v4"}"


      def latest(commit, status_word):
          return lambda status: dig(status, "deployment", "commit") == commit and dig(status, "deployment", "status") == status_word


      start_all()
      git1.wait_for_unit("git-daemon.service")
      c1 = git1.succeed(f"{fleet} init ${fleet.source nodes} v1").strip()
      web1.wait_for_unit("multi-user.target")
      web1_backdoor = backdoor_invocation(web1)
      web1.wait_for_unit("comin.service")

      with subtest("the first deployment is the system prebuilt outside the VM"):
          assert_prebuilt(web1, c1, web1_v1)
          status = wait_deployed(web1, c1, "switch", 900)
          t.assertEqual(current_system(web1), web1_v1)
          t.assertEqual(dig(status, "deployment", "health", "status"), "passed")
          t.assertEqual(dig(status, "deployment", "health", "checks", 0, "ok"), True)
          assert_first_switch(web1, web1_backdoor)
          web1.succeed("systemctl is-active fleet-app.service")

      with subtest("a unit that fails to start: the activation fails, back to v1, quarantined"):
          generations = profile_generations(web1)
          c2 = git1.succeed(f"{fleet} commit main {c1} v2").strip()
          status = wait_for_status(web1, "the rollback of v2", latest(c2, "rolled-back"))
          t.assertEqual(dig(status, "deployment", "rollback", "trigger"), "activation")
          t.assertEqual(dig(status, "deployment", "rollback", "to"), web1_v1)
          t.assertEqual(dig(status, "deployment", "rollback", "status"), "done")
          t.assertEqual(current_system(web1), web1_v1)
          t.assertEqual(web1.succeed("readlink -f /nix/var/nix/profiles/system-profiles/comin").strip(), web1_v1)
          t.assertEqual(profile_generations(web1), generations, "the bad generation is gone again")
          t.assertEqual([entry["commit"] for entry in status["quarantine"]], [c2])
          web1.succeed("systemctl is-active fleet-app.service")
          t.assertIn("is quarantined", web1.succeed("comin status"))

      with subtest("a commit on top with the same system stays out"):
          c2b = git1.succeed(f"{fleet} commit --message 'docs only' main {c2} v2").strip()
          wait_for_status(
              web1,
              "the same system held by the quarantine",
              lambda status: dig(status, "generation", "commit") == c2b and status.get("pending") == f"system {web1_v2} is quarantined",
          )

      with subtest("a system without the unit activates, fails its health check, and is rolled back"):
          c3 = git1.succeed(f"{fleet} commit main {c2b} v3").strip()
          status = wait_for_status(web1, "the rollback of v3", latest(c3, "rolled-back"))
          t.assertEqual(dig(status, "deployment", "rollback", "trigger"), "health")
          t.assertEqual(dig(status, "deployment", "rollback", "to"), web1_v1)
          t.assertIn("health check app failed", dig(status, "deployment", "error"))
          t.assertEqual(current_system(web1), web1_v1)
          web1.succeed("systemctl is-active fleet-app.service")
          metrics = read_metrics(web1)
          t.assertEqual(metric_value(metrics, "comin_rollbacks_total", trigger="health"), 1.0)
          t.assertEqual(metric_value(metrics, "comin_rollbacks_total", trigger="activation"), 1.0)
          t.assertEqual(metric_value(metrics, "comin_quarantined_commits"), 2.0)

      with subtest("the next good commit deploys"):
          c4 = git1.succeed(f"{fleet} commit main {c3} v4").strip()
          status = wait_deployed(web1, c4, "switch")
          t.assertEqual(current_system(web1), web1_v4)
          t.assertEqual(dig(status, "deployment", "health", "status"), "passed")

      with subtest("comin rollback by hand, then comin quarantine clear deploys the commit again"):
          web1.succeed("comin rollback")
          status = wait_for_status(web1, "the manual rollback", latest(c4, "rolled-back"))
          t.assertEqual(dig(status, "deployment", "rollback", "trigger"), "manual")
          t.assertEqual(current_system(web1), web1_v1)
          t.assertIn(c4, web1.succeed("comin quarantine list"))
          web1.succeed(f"comin quarantine clear {c4}")
          wait_deployed(web1, c4, "switch")
          t.assertEqual(current_system(web1), web1_v4)
          t.assertIn(c2, web1.succeed("comin quarantine list"))
    '';
}
