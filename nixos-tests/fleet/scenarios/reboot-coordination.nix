# Agent settings of the reboot-coordination suite (../../reboot-coordination.nix): reboot when
# needed, Mondays from 02:00 to 04:00 UTC, one slot of the fleet's reboot lock in etcd on etcd1.
{
  services.comin.settings = {
    remotes = [
      {
        name = "origin";
        url = "git://git1/fleet.git";
        timeout = 10;
        poll.interval = 2;
      }
    ];
    reboot = {
      policy = "when-needed";
      windows = [
        {
          days = [ "mon" ];
          from = "02:00";
          to = "04:00";
          timeZone = "UTC";
        }
      ];
      coordination = {
        etcd.endpoints = [ "http://etcd1:2379" ];
        group = "web";
        slots = 1;
      };
    };
  };

  # The machines reboot: what the agent's evaluations wrote to the store must survive it (see
  # ./reboots.nix).
  virtualisation.writableStoreUseTmpfs = false;
}
