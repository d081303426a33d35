# Agent settings of the reboots suite (../../reboots.nix): reboot when needed, Mondays from 02:00
# to 04:00 UTC only.
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
    };
  };

  # The machine reboots: what the agent's evaluations wrote to the store must survive it, as on
  # real hardware (by default the writable store layer of a test VM is in memory). It shapes the
  # file systems, hence here, on both sides.
  virtualisation.writableStoreUseTmpfs = false;
}
