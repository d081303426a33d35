# The NixOS VM test suites: the single place that lists them, one scenario a file. flake.nix
# merges this set into `checks.<system>` on Linux only (the tests need KVM and the `nixos-test`
# system feature). See ./README.md for how they work, and docs/scenarios.md for what they cover.
{ pkgs, self }:
let
  # The fleet configurations are built with comin's own nixpkgs: the same store path as the
  # nixpkgs of the test nodes, which the fleet flake in the VM points at.
  nixpkgs = self.inputs.nixpkgs;
  suite = file: pkgs.testers.runNixOSTest (import file { inherit self nixpkgs; });
in
{
  branch-semantics = suite ./branch-semantics.nix;
  migration = suite ./migration.nix;
  signatures = suite ./signatures.nix;
  remote-failover = suite ./remote-failover.nix;
  reboots = suite ./reboots.nix;
  control-plane = suite ./control-plane.nix;
  prebuilt = suite ./prebuilt.nix;
  health-rollback = suite ./health-rollback.nix;
  reboot-coordination = suite ./reboot-coordination.nix;
}
