# What changes from one commit of the fleet repository to the next: the commit's state.json,
# given as the special argument `fleetState` (and the host being built as `fleetHost`) by
# ./hosts.nix. Every state field is data, so the same file is read the same way outside the VM
# (prebuilt systems) and inside it (the agent's evaluation).
#
#   marker        written to /etc/fleet-marker: every state is a distinct system
#   initrdMarker  a file in the initrd: the next boot differs (behaviour.md §8)
#   app           "ok" or "crashes": fleet-app.service runs, or dies 2 s after it started
#                 (behaviour.md §14; absent: no such unit, as in the suites before it)
#   hosts.<name>  per-host: `net`, the test node whose network configuration the host uses,
#                 and `machineId`, the machine the configuration is pinned to (§6)
{
  lib,
  pkgs,
  fleetHost,
  fleetState,
  ...
}:
let
  hostState = (fleetState.hosts or { }).${fleetHost} or { };
in
{
  environment.etc."fleet-marker".text = fleetState.marker;

  boot.initrd.extraFiles = lib.optionalAttrs (fleetState ? initrdMarker) {
    "/etc/comin-test-initrd-marker".source = pkgs.writeText "comin-test-initrd-marker" fleetState.initrdMarker;
  };

  systemd.services.fleet-app = lib.mkIf (fleetState ? app) {
    wantedBy = [ "multi-user.target" ];
    serviceConfig = {
      ExecStart =
        if fleetState.app == "crashes" then
          "${pkgs.runtimeShell} -c 'sleep 2; exit 1'"
        else
          "${pkgs.coreutils}/bin/sleep infinity";
      Restart = "no";
    };
  };

  services.comin.machineId = hostState.machineId or null;
  # The machine the configuration is pinned to keeps its id when it switches to it.
  environment.etc."machine-id" = lib.mkIf (hostState ? machineId) { text = "${hostState.machineId}\n"; };
}
