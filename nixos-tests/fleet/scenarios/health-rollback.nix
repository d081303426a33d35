# Agent settings of the health-rollback suite (../../health-rollback.nix): the fleet's service
# fleet-app.service must be active after each deployment, or the agent rolls back.
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
    health = {
      checks = [
        {
          name = "app";
          systemdUnit = "fleet-app.service";
          timeout = "5s";
        }
      ];
      gracePeriod = "5s";
      interval = "2s";
      timeout = "30s";
      onFailure = "rollback";
    };
  };
}
