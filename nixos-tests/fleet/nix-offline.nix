# Nix inside a test VM, where there is no network: never wait on a binary cache.
# Imported by ./base.nix (agents and the fleet configurations) and by the authoring git server.
#
# No `hashed-mirrors`: current Nix still knows the setting (an unknown one would fail the build
# of nix.conf), but its default is already empty, and nothing here uses builtins.fetchurl.
{ lib, ... }:
{
  nix.settings = {
    experimental-features = [
      "nix-command"
      "flakes"
    ];
    substituters = lib.mkForce [ ];
    connect-timeout = 1;
  };
}
