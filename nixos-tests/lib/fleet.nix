# What every suite builds around its fleet (see ../README.md for the design):
#
#   prebuilt nodes host state  the fleet system `host` at `state`, built OUTSIDE the VM; the
#                              agent's evaluation inside the VM must give this very store path
#   source nodes               the fleet repository's files (flake, hosts, states, networks)
#   script                     ./fleet.sh: authors and pushes commits on a git server node
#   agent { host, states }     node module: an agent whose prebuilt systems are registered
#   gitServer { author }       node module: a git daemon (and the author's tools)
#   pythonHelpers              ./helpers.py and ./machine.py, put in front of every test script
#
# Only builtins are used outside the node modules, so that the test suite of this repository
# can evaluate the suites with stand-ins for nixpkgs (test/nixos-tests/).
{
  # comin's flake.
  self,
  # The nixpkgs flake the fleet is built with (comin's own nixpkgs input).
  nixpkgs,
  # The test's host packages (writeText, linkFarm, writeShellScript).
  hostPkgs,
}:
{
  # The suite's agent settings: a NixOS module imported by its agent nodes and by the fleet.
  scenario,
  # Host names of the fleet's nixosConfigurations.
  hosts,
  # Test nodes whose network configuration the fleet repository carries (see ../fleet/state.nix).
  networks ? hosts,
  # State name -> state data (../fleet/state.nix): one per commit content the suite pushes.
  states,
}:
let
  # The VM reads everything back from JSON: passing the outside evaluation through JSON too
  # guarantees both sides get the same values, not merely similar ones.
  roundTrip = value: builtins.fromJSON (builtins.toJSON value);

  meta = {
    system = hostPkgs.stdenv.hostPlatform.system;
    inherit hosts;
  };

  # The revision and date of nixpkgs reach the system (its version suffix): a plain `path:` input
  # has neither, so the URL carries them (Nix accepts them on `path:` URLs for this purpose).
  nixpkgsUrl =
    "path:${nixpkgs}"
    + (
      if nixpkgs ? rev then
        "?rev=${nixpkgs.rev}&lastModified=${toString (nixpkgs.lastModified or 0)}"
      else
        ""
    );
  cominUrl = "path:${self}";

  flakeNix = builtins.replaceStrings [ "@nixpkgsUrl@" "@cominUrl@" ] [ nixpkgsUrl cominUrl ] (
    builtins.readFile ../fleet/flake.nix.in
  );

  systems =
    nodes: stateName:
    import ../fleet/hosts.nix {
      inherit nixpkgs scenario;
      comin = self;
      meta = roundTrip meta;
      state = roundTrip states.${stateName};
      net = node: roundTrip nodes.${node}.system.build.networkConfig;
    };

  prebuilt = nodes: host: stateName: (systems nodes stateName).${host}.config.system.build.toplevel;

  # `text` files are written by the test, `path` files are copied from this repository.
  sourceFiles =
    nodes:
    [
      {
        name = "flake.nix";
        text = flakeNix;
      }
      {
        name = "fleet.json";
        text = builtins.toJSON meta;
      }
      {
        name = "hosts.nix";
        path = ../fleet/hosts.nix;
      }
      {
        name = "base.nix";
        path = ../fleet/base.nix;
      }
      {
        name = "nix-offline.nix";
        path = ../fleet/nix-offline.nix;
      }
      {
        name = "state.nix";
        path = ../fleet/state.nix;
      }
      {
        name = "scenario.nix";
        path = scenario;
      }
    ]
    ++ map (node: {
      name = "net/${node}.json";
      text = builtins.toJSON nodes.${node}.system.build.networkConfig;
    }) networks
    ++ map (stateName: {
      name = "states/${stateName}.json";
      text = builtins.toJSON states.${stateName};
    }) (builtins.attrNames states);

  # Symlinks into the store: fleet.sh copies them with `cp -rL`, as real files.
  source =
    nodes:
    hostPkgs.linkFarm "comin-test-fleet" (
      map (file: {
        inherit (file) name;
        path = file.path or (hostPkgs.writeText (baseNameOf file.name) file.text);
      }) (sourceFiles nodes)
    );

  script = hostPkgs.writeShellScript "fleet" (builtins.readFile ./fleet.sh);
in
{
  inherit
    flakeNix
    prebuilt
    source
    sourceFiles
    script
    ;

  pythonHelpers = builtins.readFile ./helpers.py + "\n\n" + builtins.readFile ./machine.py;

  # A test node running the agent. Its settings are the fleet's (../fleet/base.nix and the
  # scenario); the systems it is expected to deploy are prebuilt and registered in its store.
  agent =
    {
      # Its name in the fleet (the node's own name unless a suite moves configurations around).
      host,
      # The states it deploys, whose systems are prebuilt.
      states ? [ ],
      extraModules ? [ ],
    }:
    { nodes, ... }:
    {
      imports = [
        self.nixosModules.default
        ../fleet/base.nix
        scenario
      ]
      ++ extraModules;
      virtualisation = {
        # Evaluating NixOS takes one to two GiB, and test VMs panic when out of memory.
        memorySize = 4096;
        cores = 2;
        diskSize = 4096;
        # Registered, these are valid in the VM's store: the agent's evaluation reads nixpkgs
        # and comin in place, and its build of a prebuilt system has nothing to do.
        additionalPaths = [
          "${nixpkgs}"
          "${self}"
        ]
        ++ map (prebuilt nodes host) states;
      };
    };

  # A git server (git://<node>/fleet.git). The author's node also writes the commits, which
  # needs the sources the fleet flake is locked to.
  gitServer =
    {
      author ? false,
      extraPackages ? (_: [ ]),
    }:
    { lib, pkgs, ... }:
    {
      imports = [ ../fleet/nix-offline.nix ];
      services.gitDaemon = {
        enable = true;
        basePath = "/srv/git";
        exportAll = true;
      };
      networking.firewall.allowedTCPPorts = [ 9418 ];
      systemd.tmpfiles.rules = [ "d /srv/git 0755 root root -" ];
      # Root writes the repositories while the daemon reads them as user git: without this,
      # git refuses the other's repository ("dubious ownership").
      programs.git = {
        enable = true;
        config.safe.directory = "*";
      };
      environment.systemPackages = [
        pkgs.gnupg
        pkgs.openssh
        pkgs.curl
      ]
      ++ extraPackages pkgs;
      virtualisation = lib.mkIf author {
        memorySize = 2048;
        additionalPaths = [
          "${nixpkgs}"
          "${self}"
        ];
      };
    };
}
