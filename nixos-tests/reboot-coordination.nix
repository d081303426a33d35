# VM test: fleet reboot coordination (behaviour.md §16). Two machines need a reboot in the same
# window (their first switch changes the initrd, see assert_first_switch); with one slot of the
# reboot lock in etcd, one reboots while the other waits for the slot, then the other once the
# first is back in its new system and has given the slot back. A watcher on etcd1 (`etcdctl
# watch`) records every value of the lock's key: never two holders.
#
#   git1  git server and author      etcd1  etcd, the lock      web1, web2  agents, slots 1
{ self, nixpkgs }:
{ hostPkgs, ... }:
let
  fleet = import ./lib/fleet.nix { inherit self nixpkgs hostPkgs; } {
    scenario = ./fleet/scenarios/reboot-coordination.nix;
    hosts = [
      "web1"
      "web2"
    ];
    states.v1 = {
      marker = "v1";
      initrdMarker = "1";
    };
  };
  # The test sets the clock before the agents start (as in ./reboots.nix).
  manualStart = { lib, ... }: { systemd.services.comin.wantedBy = lib.mkForce [ ]; };
in
{
  name = "comin-reboot-coordination";
  globalTimeout = 3000;

  nodes = {
    git1 = fleet.gitServer { author = true; };
    etcd1 =
      { pkgs, ... }:
      {
        services.etcd = {
          enable = true;
          listenClientUrls = [ "http://0.0.0.0:2379" ];
          advertiseClientUrls = [ "http://etcd1:2379" ];
        };
        networking.firewall.allowedTCPPorts = [ 2379 ];
        environment.systemPackages = [ pkgs.etcd ];
      };
    web1 = fleet.agent {
      host = "web1";
      states = [ "v1" ];
      extraModules = [ manualStart ];
    };
    web2 = fleet.agent {
      host = "web2";
      states = [ "v1" ];
      extraModules = [ manualStart ];
    };
  };

  testScript =
    { nodes, ... }:
    ''
      ${fleet.pythonHelpers}

      fleet = "${fleet.script}"
      systems = {"web1": "${fleet.prebuilt nodes "web1" "v1"}", "web2": "${fleet.prebuilt nodes "web2" "v1"}"}
      key = "/comin/reboot-lock/web"


      def holders():
          value = etcd1.succeed(f"ETCDCTL_API=3 etcdctl get --print-value-only {key}").strip()
          return json.loads(value)["holders"] if value else []


      def reboot_and_come_back(machine, in_window):
          wait_for_reboot(machine)
          boot_into(machine, systems[machine.name], clock_after(in_window))
          machine.wait_for_unit("multi-user.target")
          t.assertEqual(booted_system(machine), systems[machine.name])
          machine.wait_for_unit("comin.service")
          return wait_for_status(machine, f"{machine.name} giving its reboot slot back", lambda status: dig(status, "rebootLock", "held") is False and not status["needToReboot"])


      start_all()
      git1.wait_for_unit("git-daemon.service")
      etcd1.wait_for_unit("etcd.service")
      etcd1.succeed(f"systemd-run --unit=lock-watch sh -c 'ETCDCTL_API=3 etcdctl watch {key} > /tmp/lock-watch.log'")
      c1 = git1.succeed(f"{fleet} init ${fleet.source nodes} v1").strip()
      web1.wait_for_unit("multi-user.target")
      web2.wait_for_unit("multi-user.target")
      web1_backdoor = backdoor_invocation(web1)
      web2_backdoor = backdoor_invocation(web2)
      # Monday 1 January 2035, 01:00 UTC, an hour before the window opens.
      for machine in (web1, web2):
          set_clock(machine, "2035-01-01 01:00:00")
          machine.succeed("systemctl start comin.service")
          machine.wait_for_unit("comin.service")

      with subtest("the first deployment is the system prebuilt outside the VM"):
          assert_prebuilt(web1, c1, systems["web1"])
          assert_prebuilt(web2, c1, systems["web2"])
          wait_deployed(web1, c1, "switch", 900)
          wait_deployed(web2, c1, "switch", 900)

      with subtest("both machines need a reboot; outside the window neither takes a slot"):
          for status in (assert_first_switch(web1, web1_backdoor), assert_first_switch(web2, web2_backdoor)):
              t.assertTrue(status["pending"].startswith("a reboot in the window"), status["pending"])
              t.assertEqual(dig(status, "rebootLock", "group"), "web")
          web1_id = web1.succeed("cat /etc/machine-id").strip()
          web2_id = web2.succeed("cat /etc/machine-id").strip()
          t.assertEqual(holders(), [], "no slot is taken outside the window")

      with subtest("inside the window one machine reboots, the other waits for the slot"):
          # web2's window opens a minute after web1's: web1 takes the slot first.
          in_window = {"web1": set_clock(web1, "2035-01-01 02:30:00")}
          wait_for_status(web1, "web1 holding the slot", lambda status: dig(status, "rebootLock", "held") is True, 120)
          in_window["web2"] = set_clock(web2, "2035-01-01 02:31:00")
          status = wait_for_status(web2, "web2 waiting for the slot", lambda status: (status["pending"] or "").startswith("waiting for a reboot slot"), 120)
          t.assertEqual(status["pending"], f"waiting for a reboot slot (group web: 1/1 held by {web1_id})")
          t.assertIsNone(status["lastReboot"], "web2 has not rebooted")
          # From here on no command goes to web1 until it is down: a command would race with the reboot.
          status = reboot_and_come_back(web1, in_window["web1"])
          t.assertIsNotNone(status["lastReboot"])

      with subtest("once web1 is back and has given the slot back, web2 reboots"):
          status = reboot_and_come_back(web2, in_window["web2"])
          t.assertIsNotNone(status["lastReboot"])
          t.assertEqual(holders(), [], "the key ends empty")
          lock = json.loads(web2.succeed("comin reboot-lock status --json"))
          t.assertEqual(lock["holders"], [])

      with subtest("the watcher never saw two holders, and saw each machine hold the slot"):
          seen = [json.loads(line)["holders"] for line in etcd1.succeed("cat /tmp/lock-watch.log").splitlines() if line.startswith("{")]
          t.assertLessEqual(max(len(value) for value in seen), 1, f"two holders at once: {seen}")
          t.assertIn([web1_id], seen)
          t.assertIn([web2_id], seen)
    '';
}
