# Agent settings of the migration suite (../../migration.nix): two machines run the agent for the
# same host name, `web`, whose configuration is pinned to one of them by machine id.
{
  services.comin.settings = {
    hostname = "web";
    remotes = [
      {
        name = "origin";
        url = "git://git1/fleet.git";
        timeout = 10;
        poll.interval = 2;
      }
    ];
  };
}
