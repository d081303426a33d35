# The one module shared by the agent test nodes and by every fleet configuration they deploy.
#
# The agent switches a node to a fleet configuration; whatever differs between the two changes
# at that moment (a tool vanishes from PATH, the agent's own unit changes and it restarts). So
# everything both need lives here, and the suite's agent settings live in ./scenarios/<suite>.nix,
# imported on both sides as well. See ../README.md.
{ lib, pkgs, ... }:
{
  imports = [ ./nix-offline.nix ];

  # nixos-test-base.nix turns switch-to-configuration off unless a test uses specialisations.
  system.switch.enable = true;

  # The fleet is built with nixpkgs' lib.nixosSystem, which records its nixpkgs as the system's
  # (a `nixpkgs` entry in /etc/nix/registry.json, NIX_PATH=nixpkgs=flake:nixpkgs); the test
  # framework builds the nodes without. Neither has it, so the first switch changes neither.
  nixpkgs.flake.source = lib.mkForce null;
  documentation.enable = false;

  # A direct-boot test VM has no disk to install a boot loader on. This one records the system
  # that would boot by default instead, one line per installation: `switch` and `boot` add a
  # line, `test` does not, and the reboot suite knows which system to boot next.
  boot.loader.grub.enable = false;
  system.build.installBootLoader = lib.mkForce (
    pkgs.writeShellScript "record-boot-default" ''
      ${pkgs.coreutils}/bin/mkdir -p /var/lib/test-boot
      echo "$1" >> /var/lib/test-boot/log
    ''
  );

  services.comin.enable = true;

  # The test scripts read the metrics with curl (also a NixOS default, stated here because the
  # scripts rely on it); git is for looking around in an interactive run.
  environment.systemPackages = [
    pkgs.curl
    pkgs.git
  ];
}
