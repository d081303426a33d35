# NixOS module of the comin agent: the options, the runtime JSON and the systemd service.
#
# The options under `settings` are generated from the TypeScript schema (./options.generated.nix,
# written by `comin`'s generators: same names, defaults and descriptions as comin.config.ts); this
# file is the hand-written glue around them. It reads nothing that changes per commit (such as
# the flake's revision): VM tests evaluate it again inside a VM and need identical store paths.
{
  config,
  lib,
  pkgs,
  ...
}:

let
  cfg = config.services.comin;
  settingsFormat = pkgs.formats.json { };

  # What `comin run` reads: the file from `comin generate`, or the settings rendered to the same
  # resolved format.
  runtimeConfigFile =
    if cfg.configFile != null then
      cfg.configFile
    else
      settingsFormat.generate "comin.json" (
        cfg.settings
        // {
          schemaVersion = 1;
          inherit (cfg) machineId;
        }
      );

  # The exporter and webhook listeners that are enabled, for the firewall only. With configFile
  # they come from that file, read at evaluation time (hence only when openFirewall is set).
  listeners =
    let
      source = if cfg.configFile != null then lib.importJSON cfg.configFile else cfg.settings;
    in
    lib.filterAttrs (_: listener: listener != null) {
      exporter = source.exporter or null;
      webhook = source.webhook or null;
    };

  listenAddressOption =
    name:
    if cfg.configFile != null then
      "${name}.listenAddress in comin.config.ts (services.comin.configFile comes from it)"
    else
      "services.comin.settings.${name}.listenAddress";

  isLoopback = address: lib.hasPrefix "127." address || address == "::1" || address == "localhost";
in
{
  _class = "nixos";

  options.services.comin = {
    enable = lib.mkEnableOption "comin, the agent that deploys this machine from git";

    package = lib.mkPackageOption pkgs "comin" { };

    settings = lib.mkOption {
      type = lib.types.submodule {
        options = import ./options.generated.nix { inherit lib; } // {
          hostname = lib.mkOption {
            type = lib.types.str;
            default = config.networking.hostName;
            defaultText = lib.literalExpression "config.networking.hostName";
            example = "web1";
            description = ''
              Name of this machine in the repository: the agent deploys
              `nixosConfigurations."<hostname>"`, and `{hostname}` in branch names is replaced
              by it.
            '';
          };
        };
      };
      default = { };
      example = lib.literalExpression ''
        {
          remotes = [
            {
              name = "origin";
              url = "https://git.example.org/infra.git";
              auth.tokenFile = "/run/secrets/git-token";
            }
          ];
          reboot.policy = "when-needed";
        }
      '';
      description = ''
        Configuration of the agent, rendered to the JSON file that `comin run --config` reads.
        Each option is the key of the same name in `comin.config.ts`, with the same default.
        Ignored when {option}`services.comin.configFile` is set.
      '';
    };

    machineId = lib.mkOption {
      type = lib.types.nullOr (lib.types.strMatching "[0-9a-f]{32}");
      default = null;
      example = "0123456789abcdef0123456789abcdef";
      description = ''
        Machine id (as in {file}`/etc/machine-id`) this configuration is pinned to. The agent
        evaluates this option in every new commit, before building it: when it is set and differs
        from the id of the machine running the agent, the commit is not deployed. Use it to move a
        host name to new hardware safely.
      '';
    };

    configFile = lib.mkOption {
      type = lib.types.nullOr lib.types.path;
      default = null;
      example = lib.literalExpression "./comin/web1.json";
      description = ''
        A resolved runtime configuration (JSON), as written by `comin generate`. When set, the
        agent reads it as it is, and {option}`services.comin.settings` is ignored.
      '';
    };

    logFormat = lib.mkOption {
      type = lib.types.enum [
        "text"
        "json"
      ];
      default = "text";
      example = "json";
      description = ''
        Format of the agent's log. `text` is for people: each line carries its journald priority,
        so that `journalctl -p warning -u comin` shows exactly the warnings and errors. `json` is
        one object a line, for log shippers.
      '';
    };

    openFirewall = lib.mkOption {
      type = lib.types.bool;
      default = false;
      example = true;
      description = ''
        Whether to open the TCP ports of the Prometheus exporter and of the webhook listener, when
        they are enabled, in the firewall. With {option}`services.comin.configFile`, the ports are
        read from that file at evaluation time, so it must then be a file available to the
        evaluation (such as one in the repository).
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    # The generated option types already refuse some of these (a required key left unset is
    # "accessed but has no value defined"); the assertions keep the rules with this file's
    # wording, whatever form the generated types take.
    assertions = [
      {
        assertion = cfg.configFile != null || cfg.settings.remotes != [ ];
        message = ''
          services.comin.settings.remotes is empty: list at least one git remote to deploy from
          (or set services.comin.configFile to a JSON file written by `comin generate`).
        '';
      }
      {
        assertion =
          cfg.configFile != null
          || cfg.settings.webhook == null
          || cfg.settings.webhook.secretFile != null;
        message = ''
          services.comin.settings.webhook is enabled without secretFile: the webhook only accepts
          signed requests, so set services.comin.settings.webhook.secretFile to a file holding the
          shared secret (or set webhook to null).
        '';
      }
      {
        assertion = cfg.configFile != null || cfg.settings.hostname != "";
        message = ''
          services.comin.settings.hostname is empty: set it (or networking.hostName) to the name
          of this machine in the repository's nixosConfigurations.
        '';
      }
    ];

    warnings = lib.optionals cfg.openFirewall (
      lib.optional (listeners == { }) ''
        services.comin.openFirewall is set, but neither the exporter nor the webhook is enabled:
        no port is opened.
      ''
      ++ lib.mapAttrsToList (name: listener: ''
        services.comin.openFirewall opens port ${toString listener.port} for the ${name}, but it
        listens on ${listener.listenAddress} only, which other machines cannot reach: change
        ${listenAddressOption name}, or do not open the port.
      '') (lib.filterAttrs (_: listener: isLoopback listener.listenAddress) listeners)
    );

    # The CLI (`comin status`, `comin fetch`, ...) talks to the service through its socket; it
    # reads the service's own configuration here to find it (paths.socket), without flags.
    environment.systemPackages = [ cfg.package ];
    environment.etc."comin/config.json".source = runtimeConfigFile;

    networking.firewall.allowedTCPPorts = lib.mkIf cfg.openFirewall (
      lib.mapAttrsToList (_: listener: listener.port) listeners
    );

    systemd.services.comin = {
      description = "comin GitOps deployment agent";
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" ];
      after = [ "network-online.target" ];

      # The agent deploys new versions of itself: restarting it in the middle of its own
      # switch-to-configuration would kill that switch. It compares its unit before and after a
      # deployment and exits once the state is recorded; systemd then starts the new unit.
      restartIfChanged = false;

      path = [
        config.nix.package
        pkgs.git
        pkgs.openssh
        pkgs.gnupg
      ];

      # As nixos-upgrade.service: Nix's environment, proxies, root's HOME (Nix keeps its caches
      # there). Git ignores the machine's and root's git configuration (hooks, fsmonitor, URL
      # rewrites), and never waits on a prompt.
      environment =
        config.nix.envVars
        // config.networking.proxy.envVars
        // {
          HOME = "/root";
          GIT_CONFIG_NOSYSTEM = "1";
          GIT_CONFIG_GLOBAL = "/dev/null";
          GIT_TERMINAL_PROMPT = "0";
        };

      serviceConfig = {
        # Secrets stay in files named by the configuration, never on this command line.
        # The package's daemon launcher: `comin` with the daemon's node options (package.nix).
        ExecStart = "${cfg.package}/libexec/comin/comin-daemon run --config ${runtimeConfigFile} --log-format ${cfg.logFormat}";
        Restart = "always";
        # Slow enough never to reach systemd's start limit (5 starts in 10 s), which would leave
        # the machine without its deployment agent for good.
        RestartSec = "5s";
        StateDirectory = "comin";
        StateDirectoryMode = "0700";
      };
    };
  };
}
