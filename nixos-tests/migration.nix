# VM test: moving a host name to new hardware with the machine-id pin (behaviour.md §6). Two
# machines run the agent for the same host name, `web`. Its configuration is pinned to one of
# them: that one deploys it, the other evaluates it and reports the mismatch without building or
# deploying anything. Moving the pin swaps the roles.
#
#   git1  git server and author          oldweb, newweb  agents for the host name `web`
{ self, nixpkgs }:
{ hostPkgs, ... }:
let
  oldId = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
  newId = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";

  fleet = import ./lib/fleet.nix { inherit self nixpkgs hostPkgs; } {
    scenario = ./fleet/scenarios/migration.nix;
    hosts = [ "web" ];
    networks = [
      "oldweb"
      "newweb"
    ];
    states = {
      # `web` is oldweb (its id, and its addresses once deployed there).
      m1 = {
        marker = "m1";
        hosts.web = {
          net = "oldweb";
          machineId = oldId;
        };
      };
      # `web` moves to newweb.
      m2 = {
        marker = "m2";
        hosts.web = {
          net = "newweb";
          machineId = newId;
        };
      };
    };
  };

  # A fixed machine id. The agent's own settings pin the same id as the fleet configuration meant
  # for this machine does, so deploying that configuration does not change the agent's unit.
  machine = id: {
    environment.etc."machine-id".text = "${id}\n";
    services.comin.machineId = id;
  };
in
{
  name = "comin-migration";
  globalTimeout = 1800;

  nodes = {
    git1 = fleet.gitServer { author = true; };
    oldweb = fleet.agent {
      host = "web";
      states = [ "m1" ];
      extraModules = [ (machine oldId) ];
    };
    newweb = fleet.agent {
      host = "web";
      states = [ "m2" ];
      extraModules = [ (machine newId) ];
    };
  };

  testScript =
    { nodes, ... }:
    ''
      ${fleet.pythonHelpers}

      fleet = "${fleet.script}"
      old_id = "${oldId}"
      new_id = "${newId}"
      web_on_oldweb = "${fleet.prebuilt nodes "web" "m1"}"
      web_on_newweb = "${fleet.prebuilt nodes "web" "m2"}"


      def stopped_by_guard(commit):
          def check(status):
              generation = status.get("generation") or {}
              return generation.get("commit") == commit and dig(generation, "build", "status") == "skipped"

          return check


      git1.start()
      git1.wait_for_unit("git-daemon.service")
      c1 = git1.succeed(f"{fleet} init ${fleet.source nodes} m1").strip()
      oldweb.start()
      newweb.start()
      oldweb_backdoor = backdoor_invocation(oldweb)
      newweb_backdoor = backdoor_invocation(newweb)
      oldweb.wait_for_unit("comin.service")
      newweb.wait_for_unit("comin.service")
      t.assertEqual(oldweb.succeed("cat /etc/machine-id").strip(), old_id)
      t.assertEqual(newweb.succeed("cat /etc/machine-id").strip(), new_id)
      newweb_system = current_system(newweb)

      with subtest("the first deployment is the system prebuilt outside the VM"):
          assert_prebuilt(oldweb, c1, web_on_oldweb)
          status = wait_deployed(oldweb, c1, "switch", 900)
          t.assertEqual(status["generation"]["machineId"], old_id)
          t.assertEqual(current_system(oldweb), web_on_oldweb)
          t.assertEqual(fleet_marker(oldweb), "m1")
          t.assertEqual(oldweb.succeed("cat /etc/machine-id").strip(), old_id, "the pinned machine keeps its id")
          assert_first_switch(oldweb, oldweb_backdoor)

      with subtest("a configuration pinned to another machine is evaluated, never built nor deployed"):
          status = wait_for_status(newweb, "newweb stopping c1 at the machine-id guard", stopped_by_guard(c1), 900)
          generation = status["generation"]
          t.assertEqual(generation["machineId"], old_id)
          t.assertEqual(generation["build"]["error"], f"machineId {old_id} does not match this machine ({new_id})")
          t.assertEqual(generation["deploy"]["status"], "skipped")
          t.assertIsNone(status["deployment"], "newweb never deployed anything")
          t.assertFalse(status["needToReboot"], "newweb still runs the system it booted")
          t.assertEqual(current_system(newweb), newweb_system)
          t.assertEqual(profile_generations(newweb), 0)

      with subtest("moving the pin to the new machine moves the deployment"):
          c2 = git1.succeed(f"{fleet} commit main {c1} m2").strip()
          status = wait_deployed(newweb, c2, "switch", 900)
          t.assertEqual(status["generation"]["outPath"], web_on_newweb, GUARD_HINT)
          t.assertEqual(current_system(newweb), web_on_newweb)
          t.assertEqual(fleet_marker(newweb), "m2")
          t.assertEqual(newweb.succeed("cat /etc/machine-id").strip(), new_id)
          assert_first_switch(newweb, newweb_backdoor)

          status = wait_for_status(oldweb, "oldweb stopping c2 at the machine-id guard", stopped_by_guard(c2))
          t.assertEqual(status["generation"]["build"]["error"], f"machineId {new_id} does not match this machine ({old_id})")
          t.assertEqual(dig(status, "deployment", "commit"), c1, "oldweb keeps its deployment")
          t.assertEqual(current_system(oldweb), web_on_oldweb)
          t.assertEqual(profile_generations(oldweb), 1)
    '';
}
