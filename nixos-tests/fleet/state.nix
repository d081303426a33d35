# What changes from one commit of the fleet repository to the next: the commit's state.json,
# given as the special argument `fleetState` (and the host being built as `fleetHost`) by
# ./hosts.nix. Every state field is data, so the same file is read the same way outside the VM
# (prebuilt systems) and inside it (the agent's evaluation).
#
#   marker        written to /etc/fleet-marker: every state is a distinct system
#   initrdMarker  a file in the initrd: the next boot differs (behaviour.md §8)
#   app           "ok": fleet-app.service runs; "fails": it fails to start; "absent" (or no
#                 field, as in the suites before it): there is no such unit (behaviour.md §14)
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

  systemd.services.fleet-app = lib.mkIf ((fleetState.app or "absent") != "absent") {
    wantedBy = [ "multi-user.target" ];
    serviceConfig =
      if fleetState.app == "fails" then
        {
          # The start job fails: switch-to-configuration reports it and exits non-zero.
          Type = "oneshot";
          ExecStart = "${pkgs.coreutils}/bin/false";
        }
      else
        { ExecStart = "${pkgs.coreutils}/bin/sleep infinity"; };
  };

  services.comin.machineId = hostState.machineId or null;
  # The machine the configuration is pinned to keeps its id when it switches to it.
  environment.etc."machine-id" = lib.mkIf (hostState ? machineId) { text = "${hostState.machineId}\n"; };
}
