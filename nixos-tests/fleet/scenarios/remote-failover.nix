# Agent settings of the remote-failover suite (../../remote-failover.nix): two remotes serving the
# same repository, origin first. A short timeout, so that an unreachable origin costs seconds.
{
  services.comin.settings.remotes = [
    {
      name = "origin";
      url = "git://git1/fleet.git";
      timeout = 10;
      poll.interval = 2;
    }
    {
      name = "mirror";
      url = "git://git2/fleet.git";
      timeout = 10;
      poll.interval = 2;
    }
  ];
}
