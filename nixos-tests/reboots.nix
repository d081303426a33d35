# VM test: reboots (behaviour.md §8). A deployment whose initrd differs from the booted system's
# marks the machine as needing a reboot (kernel, initrd and kernel modules are compared alike; an
# initrd file is the cheapest change to prebuild, and a direct-boot VM can only boot its own
# kernel). With the policy `when-needed`, the agent waits outside its window, reboots inside it
# into the new system, and does not reboot when nothing needs it. The machine's clock is moved
# forward to reach the window, and kept there across the reboot.
#
#   git1  git server and author          web1  agent, reboot window Mondays 02:00-04:00 UTC
{ self, nixpkgs }:
{ hostPkgs, ... }:
let
  fleet = import ./lib/fleet.nix { inherit self nixpkgs hostPkgs; } {
    scenario = ./fleet/scenarios/reboots.nix;
    hosts = [ "web1" ];
    states = {
      # Both differ from the node's initrd, and not from each other. (The node's initrd also has
      # the test framework's udev rules, which no fleet system has: the marker makes the change
      # this suite is about, whatever the framework does.)
      v1 = {
        marker = "v1";
        initrdMarker = "1";
      };
      v2 = {
        marker = "v2";
        initrdMarker = "1";
      };
    };
  };
in
{
  name = "comin-reboots";
  globalTimeout = 2400;

  nodes = {
    git1 = fleet.gitServer { author = true; };
    web1 = fleet.agent {
      host = "web1";
      states = [
        "v1"
        "v2"
      ];
      # The test sets the clock before the agent starts. (`wantedBy` only makes links; the unit
      # itself stays the fleet's, and after the reboot the fleet's system starts the agent.)
      extraModules = [
        ({ lib, ... }: { systemd.services.comin.wantedBy = lib.mkForce [ ]; })
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


      def reboot_records(machine):
          return [record for record in deployments(machine) if record["kind"] == "reboot"]


      def initrds(machine):
          return [machine.succeed(f"readlink -f /run/{system}/initrd").strip() for system in ("booted-system", "current-system")]


      start_all()
      git1.wait_for_unit("git-daemon.service")
      c1 = git1.succeed(f"{fleet} init ${fleet.source nodes} v1").strip()
      web1.wait_for_unit("multi-user.target")
      node_system = booted_system(web1)
      web1_backdoor = backdoor_invocation(web1)
      # Monday 1 January 2035, 01:00 UTC, an hour before the window opens. The clocks in this
      # test only ever move forward, across the reboot too.
      set_clock(web1, "2035-01-01 01:00:00")
      web1.succeed("systemctl start comin.service")
      web1.wait_for_unit("comin.service")

      with subtest("the first deployment is the system prebuilt outside the VM"):
          assert_prebuilt(web1, c1, web1_v1)
          wait_deployed(web1, c1, "switch", 900)
          t.assertEqual(current_system(web1), web1_v1)
          t.assertEqual(boot_log(web1)[-1:], [web1_v1], "the boot loader is told to boot v1 next")

      with subtest("a new initrd makes the machine need a reboot; outside its window it waits"):
          booted_initrd, current_initrd = initrds(web1)
          t.assertNotEqual(booted_initrd, current_initrd, "ground truth: the next boot differs")
          # The node's initrd has the test framework's udev rules and no marker; v1's has the marker.
          status = assert_first_switch(web1, web1_backdoor)
          t.assertEqual(status["pending"], "a reboot in the window mon 02:00-04:00 UTC, opens Mon 1 Jan 02:00 UTC", "the agent waits for its window, and says which and when")
          t.assertEqual(status["pendingUntil"], "2035-01-01T02:00:00.000Z")
          t.assertIsNone(status["lastReboot"])
          t.assertEqual(metric_value(web1.succeed("curl --silent --fail http://127.0.0.1:4243/metrics"), "comin_need_to_reboot"), 1.0)
          t.assertEqual(booted_system(web1), node_system, "web1 has not rebooted")

      with subtest("inside its window the machine reboots into the new system"):
          # Monday 02:30: the agent checks its window at least every 10 seconds. From here on no
          # command goes to web1 until it is down: a command would race with the reboot.
          in_window = set_clock(web1, "2035-01-01 02:30:00")
          wait_for_reboot(web1)

          # Into the system the boot loader was told to boot, the hardware clock where the
          # machine's was (a real one keeps it across a reboot).
          boot_into(web1, web1_v1, clock_after(in_window))
          web1.wait_for_unit("multi-user.target")
          t.assertGreaterEqual(machine_clock(web1), in_window["at"], "the clock went back across the reboot: see nixos-tests/README.md")
          t.assertEqual(booted_system(web1), web1_v1)
          t.assertEqual(current_system(web1), web1_v1)

          web1.wait_for_unit("comin.service")
          status = wait_for_status(web1, "the agent answering after the reboot", lambda status: True)
          t.assertFalse(status["needToReboot"], "the booted system is the current one")
          t.assertEqual(dig(status, "lastReboot", "from"), node_system)
          t.assertEqual(dig(status, "lastReboot", "to"), web1_v1)
          t.assertEqual(len(reboot_records(web1)), 1, "the reboot is in the deployment history")

      with subtest("inside a window, a deployment that needs no reboot does not reboot"):
          # Monday 8 January 2035, 02:30: inside the next window.
          set_clock(web1, "2035-01-08 02:30:00")
          c2 = git1.succeed(f"{fleet} commit main {c1} v2").strip()
          wait_deployed(web1, c2, "switch")
          t.assertEqual(current_system(web1), web1_v2)
          booted_initrd, current_initrd = initrds(web1)
          t.assertEqual(booted_initrd, current_initrd, "ground truth: the same initrd")
          # submit-latest returns once a deployment and the reboot check after it are done; had
          # that check rebooted the machine, this command would not come back.
          web1.succeed("comin deployment submit-latest")
          status = wait_for_status(web1, "the agent's status", lambda status: True)
          t.assertFalse(status["needToReboot"])
          t.assertEqual(booted_system(web1), web1_v1, "web1 has not rebooted")
          t.assertEqual(len(reboot_records(web1)), 1)
    '';
}
