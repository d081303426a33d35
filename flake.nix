{
  description = "comin: GitOps deployment agent for NixOS, configured with a typed TypeScript DSL";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  # Nothing below reads self.rev (or anything else that changes per commit): VM tests evaluate
  # this flake again inside a VM, from a copy without git metadata, and need identical store paths.
  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
      forAllSystems = f: lib.genAttrs systems (system: f system nixpkgs.legacyPackages.${system});
    in
    {
      overlays.default = final: prev: {
        comin = final.callPackage ./nix/package.nix { };
      };

      packages = forAllSystems (
        system: pkgs:
        let
          comin = pkgs.callPackage ./nix/package.nix { };
        in
        {
          inherit comin;
          default = comin;
        }
      );

      nixosModules.comin =
        { lib, pkgs, ... }:
        {
          # Imported twice (as `default` and as `comin`), the module still counts once.
          key = "comin#nixosModules.comin";
          _class = "nixos";
          imports = [ ./nix/module.nix ];
          # Without the overlay, the package is built with the machine's own nixpkgs.
          services.comin.package = lib.mkDefault (
            pkgs.comin or (pkgs.callPackage ./nix/package.nix { })
          );
        };
      nixosModules.default = self.nixosModules.comin;

      checks = forAllSystems (
        system: pkgs:
        {
          package = self.packages.${system}.comin;
          generated-drift = pkgs.callPackage ./nix/generated-check.nix {
            comin = self.packages.${system}.comin;
          };
        }
        // lib.optionalAttrs pkgs.stdenv.hostPlatform.isLinux (
          import ./nixos-tests { inherit pkgs self; }
        )
      );

      formatter = forAllSystems (_: pkgs: pkgs.nixfmt);
    };
}
