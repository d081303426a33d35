# The fleet's nixosConfigurations, one per host. Called twice with equal arguments: outside the
# VM by ../lib/fleet.nix (the prebuilt systems) and inside it by the fleet repository's flake.nix
# (./flake.nix.in), whose evaluation by the agent must give the very same store paths.
{
  # The nixpkgs flake (the same store path on both sides).
  nixpkgs,
  # comin's flake: its NixOS module.
  comin,
  # { system, hosts }: the guest platform and the host names.
  meta,
  # The commit's state (see ./state.nix).
  state,
  # node name -> that test node's network configuration (system.build.networkConfig).
  net,
  # The suite's agent settings: a NixOS module, also imported by the test nodes.
  scenario,
}:
builtins.listToAttrs (
  map (host: {
    name = host;
    value = nixpkgs.lib.nixosSystem {
      specialArgs = {
        fleetHost = host;
        fleetState = state;
      };
      modules = [
        # The test VM's hardware, the test driver's backdoor shell, constant version metadata.
        "${nixpkgs}/nixos/lib/testing/nixos-test-base.nix"
        comin.nixosModules.default
        ./base.nix
        ./state.nix
        scenario
        # Switching must not drop the VM's addresses: the node's own network configuration.
        (net (((state.hosts or { }).${host} or { }).net or host))
        { nixpkgs.hostPlatform = meta.system; }
      ];
    };
  }) meta.hosts
)
