# VM test: the agent's control plane (behaviour.md §11-§13, interfaces.md §4-§5). The metrics
# endpoint, a GitHub webhook as the only trigger (the agent does not poll), suspend and resume
# across a restart of the service, and the local socket closed to other users.
#
#   git1  git server and author, scrapes and calls web1          web1  agent
{ self, nixpkgs }:
{ hostPkgs, ... }:
let
  fleet = import ./lib/fleet.nix { inherit self nixpkgs hostPkgs; } {
    scenario = ./fleet/scenarios/control-plane.nix;
    hosts = [ "web1" ];
    states = {
      v1.marker = "v1";
      v2.marker = "v2";
      v3.marker = "v3";
    };
  };
in
{
  name = "comin-control-plane";
  globalTimeout = 1800;

  nodes = {
    git1 = fleet.gitServer {
      author = true;
      # promtool, to check the exposition format.
      extraPackages = pkgs: [ pkgs.prometheus ];
    };
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
      metrics_url = "http://web1:4243/metrics"
      webhook_url = "http://web1:4244/"


      def scrape():
          return git1.succeed(f"curl --silent --fail --max-time 10 {metrics_url}")


      def origin_fetches():
          return metric_value(scrape(), "comin_fetch_count", remote_name="origin", status="succeeded")


      # The agent fetches once when it starts, then only when asked: the repository comes first.
      git1.start()
      git1.wait_for_unit("git-daemon.service")
      c1 = git1.succeed(f"{fleet} init ${fleet.source nodes} v1").strip()
      web1.start()
      web1_backdoor = backdoor_invocation(web1)
      web1.wait_for_unit("comin.service")
      ensure_first_fetch(web1)

      with subtest("the first deployment is the system prebuilt outside the VM"):
          assert_prebuilt(web1, c1, web1_v1)
          wait_deployed(web1, c1, "switch", 900)
          t.assertEqual(current_system(web1), web1_v1)
          assert_first_switch(web1, web1_backdoor)

      with subtest("the service runs the daemon through the package's launcher"):
          # nix/daemon-node-flags.txt and nix/daemon-env.txt, as the tests and benchmarks run it.
          pid = web1.succeed("systemctl show --property MainPID --value comin.service").strip()
          cmdline = web1.succeed(f"tr '\\0' ' ' < /proc/{pid}/cmdline")
          t.assertIn("--max-semi-space-size=1", cmdline)
          web1.succeed(f"tr '\\0' '\\n' < /proc/{pid}/environ | grep -qx MALLOC_ARENA_MAX=1")

      with subtest("the metrics endpoint serves valid Prometheus metrics"):
          git1.wait_for_open_port(4243, "web1")
          text = scrape()
          t.assertEqual(metric_value(text, "comin_deployment_info", commit_id=c1, status="done"), 1.0)
          t.assertGreaterEqual(metric_value(text, "comin_fetch_count", remote_name="origin", status="succeeded"), 1.0)
          t.assertEqual(metric_value(text, "comin_is_suspended"), 0.0)
          t.assertIsNotNone(metric_value(text, "comin_build_info"))
          git1.succeed(f"curl --silent --fail {metrics_url} | promtool check metrics")

      with subtest("a signed webhook triggers a fetch; a forged one is refused"):
          c2 = git1.succeed(f"{fleet} commit main {c1} v2").strip()
          secret = web1.succeed("cat /etc/comin/webhook-secret").strip()
          body = json.dumps({"ref": "refs/heads/main", "repository": {"full_name": "fleet", "clone_url": "git://git1/fleet.git"}})
          headers = {"Content-Type": "application/json", "X-GitHub-Event": "push"}
          fetches = origin_fetches()

          forged = {**headers, "X-Hub-Signature-256": github_signature("not the secret", body)}
          t.assertEqual(post(git1, webhook_url, body, forged), 401)
          t.assertEqual(origin_fetches(), fetches, "a refused webhook triggers nothing")

          signed = {**headers, "X-Hub-Signature-256": github_signature(secret, body)}
          t.assertEqual(post(git1, webhook_url, body, signed), 202)
          wait_deployed(web1, c2, "switch")
          t.assertEqual(current_system(web1), web1_v2)
          t.assertEqual(origin_fetches(), fetches + 1, "one fetch per accepted webhook")

      with subtest("suspended, nothing is deployed, also after a restart; resumed, it is"):
          web1.succeed("comin suspend")
          c3 = git1.succeed(f"{fleet} commit main {c2} v3").strip()
          web1.succeed("comin fetch --wait")


          def evaluated_and_held(status):
              generation = status.get("generation") or {}
              return (
                  status["suspended"] is True
                  and generation.get("commit") == c3
                  and dig(generation, "eval", "status") == "done"
              )


          # Evaluations go on while suspended (the status stays fresh), builds and deployments wait.
          status = wait_for_status(web1, "c3 evaluated and held", evaluated_and_held)
          t.assertEqual(status["generation"]["build"]["status"], "pending")
          t.assertEqual(dig(status, "deployment", "commit"), c2)
          t.assertEqual(metric_value(scrape(), "comin_is_suspended"), 1.0)

          web1.succeed("systemctl restart comin.service")
          web1.wait_for_unit("comin.service")
          # (The unit is active before the agent listens on its socket.)
          web1.wait_until_succeeds("comin fetch --wait", timeout=60)
          status = wait_for_status(web1, "c3 held after the restart", evaluated_and_held)
          t.assertEqual(status["generation"]["build"]["status"], "pending")
          t.assertEqual(dig(status, "deployment", "commit"), c2, "suspension survives a restart")
          t.assertEqual(current_system(web1), web1_v2)

          web1.succeed("comin resume")
          status = wait_deployed(web1, c3, "switch")
          t.assertFalse(status["suspended"])
          t.assertEqual(current_system(web1), web1_v3)

      with subtest("only root can reach the local API"):
          t.assertEqual(web1.succeed("stat --format '%a %U' /var/lib/comin/comin.sock").strip(), "600 root")
          code, output = web1.execute("runuser -u nobody -- comin status 2>&1")
          t.assertEqual(code, 77, f"another user must be refused (EX_NOPERM): {output}")
    '';
}
