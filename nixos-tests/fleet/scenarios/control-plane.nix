# Agent settings of the control-plane suite (../../control-plane.nix): no polling, so that only the
# webhook and `comin fetch` trigger fetches (plus the one at start-up); metrics and webhook
# reachable from the git server's node.
{
  services.comin = {
    openFirewall = true;
    settings = {
      remotes = [
        {
          name = "origin";
          url = "git://git1/fleet.git";
          timeout = 10;
          poll.interval = 0;
        }
      ];
      exporter = {
        listenAddress = "0.0.0.0";
        port = 4243;
      };
      webhook = {
        listenAddress = "0.0.0.0";
        port = 4244;
        secretFile = "/etc/comin/webhook-secret";
      };
    };
  };

  # A test secret, in the store on purpose: real secrets never belong there.
  environment.etc."comin/webhook-secret" = {
    text = "comin-vm-test-webhook-secret";
    mode = "0400";
  };
}
