# Nix inside a test VM, where there is no network: never wait on a binary cache or a mirror.
# Imported by ./base.nix (agents and the fleet configurations) and by the authoring git server.
{ lib, ... }:
{
  nix.settings = {
    experimental-features = [
      "nix-command"
      "flakes"
    ];
    substituters = lib.mkForce [ ];
    hashed-mirrors = null;
    connect-timeout = 1;
  };
}
