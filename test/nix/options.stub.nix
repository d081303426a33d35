# A stand-in for nix/options.generated.nix (written by the generators from the schema), with only
# the keys nix/module.nix itself reads, in the same shape: `{ lib }: { <key> = lib.mkOption …; }`.
# Used to evaluate the module without the real file; never imported by the module at this path.
{ lib }:
{
  remotes = lib.mkOption {
    type = lib.types.listOf (
      lib.types.submodule {
        options = {
          name = lib.mkOption {
            type = lib.types.str;
            description = "Name of the remote.";
          };
          url = lib.mkOption {
            type = lib.types.str;
            description = "Git URL.";
          };
        };
      }
    );
    default = [ ];
    description = "Git remotes to poll, in priority order.";
  };

  exporter = lib.mkOption {
    type = lib.types.nullOr (
      lib.types.submodule {
        options = {
          listenAddress = lib.mkOption {
            type = lib.types.str;
            default = "127.0.0.1";
            description = "Address the Prometheus exporter listens on.";
          };
          port = lib.mkOption {
            type = lib.types.port;
            default = 4243;
            description = "Port of the Prometheus exporter.";
          };
        };
      }
    );
    default = { };
    description = "Prometheus exporter; `null` disables it.";
  };

  webhook = lib.mkOption {
    type = lib.types.nullOr (
      lib.types.submodule {
        options = {
          listenAddress = lib.mkOption {
            type = lib.types.str;
            default = "0.0.0.0";
            description = "Address the webhook listener binds.";
          };
          port = lib.mkOption {
            type = lib.types.port;
            default = 4244;
            description = "Port of the webhook listener.";
          };
          secretFile = lib.mkOption {
            type = lib.types.nullOr lib.types.path;
            default = null;
            description = "File holding the shared secret.";
          };
        };
      }
    );
    default = null;
    description = "Webhook listener that triggers fetches; `null` disables it.";
  };
}
