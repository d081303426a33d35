# Stand-ins for nixpkgs and for the NixOS test framework, enough to evaluate nixos-tests/ on a
# machine without nixpkgs: each suite's name, its node names and its whole test script (with fake
# store paths where the real framework would build something). The node modules themselves are
# not evaluated.
let
  fakeStorePath = name: "/nix/store/${builtins.substring 0 32 (builtins.hashString "sha256" name)}-${name}";

  # Forces what a real builder would read, so that an error in it shows here too.
  forced = value: name: builtins.deepSeq value (fakeStorePath name);

  hostPkgs = {
    stdenv.hostPlatform.system = "x86_64-linux";
    writeText = name: text: forced text name;
    writeShellScript = name: text: forced text name;
    linkFarm =
      name: entries:
      forced (map (entry: [
        entry.name
        (toString entry.path)
      ]) entries) name;
  };

  # A system's fake store path names its host, its state's marker and the node whose network
  # configuration it got, so tests can see which system a script expects where.
  nixosSystem =
    { specialArgs, modules }:
    let
      networks = builtins.filter (module: builtins.isAttrs module && module ? networking) modules;
      network = if networks == [ ] then "none" else (builtins.head networks).networking.hostName;
    in
    {
      config.system.build.toplevel = fakeStorePath "nixos-system-${specialArgs.fleetHost}-${specialArgs.fleetState.marker}-on-${network}";
    };

  nixpkgs = {
    outPath = fakeStorePath "nixpkgs-source";
    rev = "0123456789abcdef0123456789abcdef01234567";
    lastModified = 1700000000;
    lib = { inherit nixosSystem; };
  };

  self = {
    outPath = fakeStorePath "comin-source";
    inputs = { inherit nixpkgs; };
    nixosModules.default = { };
  };

  # Node name -> what the suites read of a node's configuration.
  nodesOf =
    modules:
    builtins.mapAttrs (name: _: {
      system.build.networkConfig = {
        networking.hostName = name;
        networking.primaryIPAddress = "192.168.1.1";
      };
    }) modules;

  # pkgs.testers.runNixOSTest: calls the test module, and its testScript with the nodes.
  runNixOSTest =
    test:
    let
      module = test { inherit hostPkgs; };
      nodes = nodesOf module.nodes;
    in
    {
      inherit (module) name;
      globalTimeout = module.globalTimeout or null;
      nodes = builtins.attrNames module.nodes;
      nodeModulesAreFunctions = builtins.all builtins.isFunction (builtins.attrValues module.nodes);
      testScript =
        if builtins.isFunction module.testScript then module.testScript { inherit nodes; } else module.testScript;
    };

  pkgs.testers = { inherit runNixOSTest; };
in
{
  inherit
    fakeStorePath
    hostPkgs
    nixpkgs
    self
    nodesOf
    pkgs
    ;
  suites = repo: import (repo + "/nixos-tests/default.nix") { inherit pkgs self; };
}
