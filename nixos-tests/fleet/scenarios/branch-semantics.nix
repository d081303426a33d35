# Agent settings of the branch-semantics suite (../../branch-semantics.nix), imported by its
# agent nodes and by the fleet configurations they deploy.
{ config, ... }:
{
  services.comin.settings = {
    remotes = [
      {
        name = "origin";
        url = "git://git1/fleet.git";
        timeout = 10;
        poll.interval = 2;
        # web1 refuses a rewritten main; web2 accepts it and takes it as its new baseline.
        branches.main.allowForcePush = config.networking.hostName == "web2";
      }
    ];
    # More than the suite ever makes: counting boot entries must not race with their pruning.
    retention.bootEntries = 10;
  };
}
