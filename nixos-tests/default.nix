# The NixOS VM test suites: the single place that lists them. flake.nix merges this set into
# `checks.<system>` on Linux only (the tests need KVM and the `nixos-test` system feature).
# Add one suite a line, one scenario a file, for example:
#
#   branch-semantics = pkgs.testers.runNixOSTest (import ./branch-semantics.nix { inherit self; });
#
# (the nixpkgs the tests evaluate fleet configurations with is `self.inputs.nixpkgs`).
{ pkgs, self }:
{ }
