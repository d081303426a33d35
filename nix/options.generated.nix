# Generated from dsl/schema.ts (its JSDoc and zod schema) by generators/write-generated.ts; do not edit.
# The options of services.comin.settings, one per key of comin.config.ts; nix/module.nix imports it.
{ lib }:
{
  remotes = lib.mkOption {
    type = lib.types.nonEmptyListOf (lib.types.submodule {
      options = {
        name = lib.mkOption {
          type = lib.types.str;
          description = "Name of the remote (as in `git remote`); it appears in status, metrics and errors.";
          example = "origin";
        };
        url = lib.mkOption {
          type = lib.types.str;
          description = "Git URL: `https://…`, `ssh://…`, `user@host:path`, `file://…` or an absolute path.";
          example = "https://git.example.org/infra.git";
        };
        auth = lib.mkOption {
          type = lib.types.submodule {
            options = {
              username = lib.mkOption {
                type = lib.types.str;
                default = "comin";
                description = "User name sent with the HTTPS token (forges accept any non-empty name with a token).";
              };
              tokenFile = lib.mkOption {
                type = lib.types.nullOr (lib.types.strMatching "/.*");
                default = null;
                description = "File holding an HTTPS access token (read at each fetch, whitespace trimmed, never logged and never put on a command line). With an `http://` URL it needs `allowInsecureHttp`.";
                example = "/run/secrets/git-token";
              };
              sshKeyFile = lib.mkOption {
                type = lib.types.nullOr (lib.types.strMatching "/.*");
                default = null;
                description = "Private SSH key used to fetch `ssh://` and `user@host:path` URLs.";
                example = "/run/secrets/deploy-key";
              };
              knownHostsFile = lib.mkOption {
                type = lib.types.nullOr lib.types.path;
                default = null;
                description = "known_hosts file used with `sshKeyFile` (host keys are always checked).";
                example = "/etc/ssh/ssh_known_hosts";
              };
            };
          };
          default = { };
          description = "Credentials for this remote: an HTTPS token file, or an SSH key with a known_hosts file.";
        };
        allowInsecureHttp = lib.mkOption {
          type = lib.types.bool;
          default = false;
          description = "Accept `auth.tokenFile` with an `http://` URL, although the token then travels in clear to anyone on the network path. Refused otherwise; only for a network you trust (a VPN, a mirror on the same link). `https://` is the real fix.";
          example = true;
        };
        timeout = lib.mkOption {
          type = lib.types.either lib.types.ints.unsigned lib.types.str;
          default = 300;
          defaultText = lib.literalExpression "\"5m\"";
          description = "Time a fetch of this remote may take before git is killed.";
        };
        poll = lib.mkOption {
          type = lib.types.submodule {
            options = {
              interval = lib.mkOption {
                type = lib.types.either lib.types.ints.unsigned lib.types.str;
                default = 60;
                defaultText = lib.literalExpression "\"60s\"";
                description = "Time between two fetches of this remote; `0` disables polling (webhooks and `comin fetch` still work).";
              };
              jitter = lib.mkOption {
                type = lib.types.either lib.types.ints.unsigned lib.types.str;
                default = 0;
                defaultText = lib.literalExpression "\"0s\"";
                description = "Random delay added to each interval, so that a fleet does not fetch all at once.";
              };
            };
          };
          default = { };
          description = "Automatic polling of this remote.";
        };
        branches = lib.mkOption {
          type = lib.types.submodule {
            options = {
              main = lib.mkOption {
                type = lib.types.submodule {
                  options = {
                    name = lib.mkOption {
                      type = lib.types.str;
                      default = "main";
                      description = "Name of the main branch on this remote. `{hostname}` is replaced by the host's name.";
                    };
                    operation = lib.mkOption {
                      type = lib.types.enum [ "switch" "test" "boot" ];
                      default = "switch";
                      description = "Operation used to activate commits of this branch.";
                    };
                    allowForcePush = lib.mkOption {
                      type = lib.types.bool;
                      default = false;
                      description = "Accept a main branch that is not on top of the last accepted commit (a force-push or reset). Off, such a head is refused and the machine keeps its deployment.";
                    };
                  };
                };
                default = { };
                description = "The main branch: it may only move forward, and is deployed with `switch` by default.";
              };
              testing = lib.mkOption {
                type = lib.types.submodule {
                  options = {
                    name = lib.mkOption {
                      type = lib.types.nullOr lib.types.str;
                      default = "testing-{hostname}";
                      description = "Name of the testing branch on this remote, or `null` to disable it. `{hostname}` is replaced by the host's name.";
                    };
                    operation = lib.mkOption {
                      type = lib.types.enum [ "switch" "test" "boot" ];
                      default = "test";
                      description = "Operation used to activate commits of this branch.";
                    };
                  };
                };
                default = { };
                description = "The per-machine testing branch: it must be on top of main, and is deployed with `test` by default (no boot entry).";
              };
            };
          };
          default = { };
          description = "The branches followed on this remote.";
        };
      };
    });
    description = "Git remotes to poll, in priority order (the first one whose main advances wins).";
    example = [
      {
        name = "origin";
        url = "https://git.example.org/infra.git";
        auth = {
          tokenFile = "/run/secrets/git-token";
        };
        poll = {
          interval = "60s";
          jitter = "10s";
        };
      }
    ];
  };
  repository = lib.mkOption {
    type = lib.types.submodule {
      options = {
        type = lib.mkOption {
          type = lib.types.enum [ "flake" "nix" ];
          default = "flake";
          description = "`flake`: the repository is a flake and the host is `nixosConfigurations.\"<hostname>\"`. `nix`: a classic Nix expression, evaluated at `systemAttr`.";
        };
        subdir = lib.mkOption {
          type = lib.types.str;
          default = ".";
          description = "Directory of the repository holding `flake.nix` (or the Nix expression).";
        };
        submodules = lib.mkOption {
          type = lib.types.bool;
          default = false;
          description = "Fetch git submodules too.";
        };
        systemAttr = lib.mkOption {
          type = lib.types.nullOr lib.types.str;
          default = null;
          description = "For `type = \"nix\"` only: attribute path of the machine's NixOS system, whose `toplevel` (or `config.system.build.toplevel`) is built, e.g. `machines.web1`. `{hostname}` is replaced.";
          example = "machines.{hostname}";
        };
      };
    };
    default = { };
    description = "What the repository contains and where.";
  };
  prebuilt = lib.mkOption {
    type = lib.types.nullOr (lib.types.submodule {
      options = {
        substituters = lib.mkOption {
          type = lib.types.nonEmptyListOf lib.types.str;
          description = "Binary caches the prebuilt systems are substituted from (any Nix store URI that `comin publish --to` copied them to, e.g. `https://cache.example.org`).";
          example = [ "https://cache.example.org" ];
        };
        trustedPublicKeys = lib.mkOption {
          type = lib.types.nonEmptyListOf lib.types.str;
          description = "Public keys (`name:base64`, as in `trusted-public-keys`) whose signatures are accepted; a path that none of them signed is refused by Nix.";
          example = [
            "cache.example.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
          ];
        };
        notesRef = lib.mkOption {
          type = lib.types.str;
          default = "refs/notes/comin";
          description = "Git notes ref holding the manifests (`comin publish --notes-ref`), fetched from each remote.";
        };
        missing = lib.mkOption {
          type = lib.types.enum [ "wait" "evaluate" ];
          default = "wait";
          description = "When the candidate commit has no manifest for this host: `wait` keeps it pending until one is published (re-checked after every fetch); `evaluate` evaluates and builds it here.";
        };
      };
    });
    default = null;
    description = "Substitute the systems that CI evaluated, built and published (`comin publish`) instead of evaluating here; `null` evaluates and builds on the machine.";
    example = {
      substituters = [ "https://cache.example.org" ];
      trustedPublicKeys = [
        "cache.example.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
      ];
    };
  };
  signatures = lib.mkOption {
    type = lib.types.submodule {
      options = {
        gpgPublicKeyFiles = lib.mkOption {
          type = lib.types.listOf lib.types.path;
          default = [ ];
          description = "Armored GPG public key files. With any trust configured, only commits signed by one of these keys (or an allowed SSH signer) are ever evaluated.";
          example = [ "/etc/comin/alice.asc" ];
        };
        sshAllowedSignersFile = lib.mkOption {
          type = lib.types.nullOr lib.types.path;
          default = null;
          description = "An SSH allowed-signers file (see ssh-keygen(1), ALLOWED SIGNERS) trusted for commit signatures.";
          example = "/etc/comin/allowed_signers";
        };
      };
    };
    default = { };
    description = "Trusted commit signers. With none, commits are not checked.";
  };
  timeouts = lib.mkOption {
    type = lib.types.submodule {
      options = {
        eval = lib.mkOption {
          type = lib.types.either lib.types.ints.unsigned lib.types.str;
          default = 1800;
          defaultText = lib.literalExpression "\"30m\"";
          description = "Time the evaluation of one commit may take.";
        };
        build = lib.mkOption {
          type = lib.types.either lib.types.ints.unsigned lib.types.str;
          default = 7200;
          defaultText = lib.literalExpression "\"2h\"";
          description = "Time the build of one generation may take.";
        };
        switch = lib.mkOption {
          type = lib.types.either lib.types.ints.unsigned lib.types.str;
          default = 900;
          defaultText = lib.literalExpression "\"15m\"";
          description = "Time `switch-to-configuration` may take.";
        };
      };
    };
    default = { };
    description = "Time limits of each stage; on expiry the whole process group is killed.";
  };
  retries = lib.mkOption {
    type = lib.types.submodule {
      options = {
        attempts = lib.mkOption {
          type = lib.types.ints.between 1 100;
          default = 3;
          description = "Attempts per generation for evaluation, build and deployment (1 means no retry).";
        };
        backoff = lib.mkOption {
          type = lib.types.either lib.types.ints.unsigned lib.types.str;
          default = 30;
          defaultText = lib.literalExpression "\"30s\"";
          description = "Delay before the first retry; it doubles at each further attempt.";
        };
        maxBackoff = lib.mkOption {
          type = lib.types.either lib.types.ints.unsigned lib.types.str;
          default = 3600;
          defaultText = lib.literalExpression "\"1h\"";
          description = "Upper bound of the delay between two attempts.";
        };
      };
    };
    default = { };
    description = "Retries of failed evaluations, builds and deployments, with exponential backoff.";
  };
  health = lib.mkOption {
    type = lib.types.nullOr (lib.types.submodule {
      options = {
        checks = lib.mkOption {
          type = lib.types.nonEmptyListOf (lib.types.submodule {
            options = {
              name = lib.mkOption {
                type = lib.types.str;
                description = "Name of the check, unique in `health.checks`; status, events and the `comin_health_check_failed{check}` metric show it.";
                example = "web";
              };
              http = lib.mkOption {
                type = lib.types.nullOr (lib.types.submodule {
                  options = {
                    url = lib.mkOption {
                      type = lib.types.str;
                      description = "URL fetched with GET (`http://` or `https://`).";
                      example = "http://127.0.0.1:8080/healthz";
                    };
                    expectStatus = lib.mkOption {
                      type = lib.types.ints.between 100 599;
                      default = 200;
                      description = "HTTP status that means healthy; any other status, or no answer, fails the check.";
                    };
                  };
                });
                default = null;
                description = "Healthy when a GET of `url` answers `expectStatus`. A check sets exactly one of `http`, `systemdUnit`, `noFailedUnits` and `command`.";
                example = {
                  url = "http://127.0.0.1:8080/healthz";
                  expectStatus = 200;
                };
              };
              systemdUnit = lib.mkOption {
                type = lib.types.nullOr lib.types.str;
                default = null;
                description = "Healthy when this systemd unit is active (`systemctl is-active`). A check sets exactly one of `http`, `systemdUnit`, `noFailedUnits` and `command`.";
                example = "nginx.service";
              };
              noFailedUnits = lib.mkOption {
                type = lib.types.bool;
                default = false;
                description = "`true`: healthy when no systemd unit has failed (`systemctl list-units --state=failed` lists nothing). A check sets exactly one of `http`, `systemdUnit`, `noFailedUnits` and `command`.";
                example = true;
              };
              command = lib.mkOption {
                type = lib.types.nullOr (lib.types.nonEmptyListOf lib.types.str);
                default = null;
                description = "Program (absolute path) and arguments, run without a shell, with the `COMIN_*` environment of the post-deployment command; healthy on exit 0, and the tail of its output is the detail. A check sets exactly one of `http`, `systemdUnit`, `noFailedUnits` and `command`.";
                example = [ "/run/current-system/sw/bin/app-check" "--quick" ];
              };
              timeout = lib.mkOption {
                type = lib.types.either lib.types.ints.unsigned lib.types.str;
                default = 10;
                defaultText = lib.literalExpression "\"10s\"";
                description = "Time one run of this check may take; a run that takes longer fails. At most `health.timeout`.";
              };
            };
          });
          description = "The checks; all of them must pass in the same round for the deployment to be healthy.";
          example = [
            {
              name = "web";
              http = {
                url = "http://127.0.0.1:8080/healthz";
                expectStatus = 200;
              };
            }
          ];
        };
        gracePeriod = lib.mkOption {
          type = lib.types.either lib.types.ints.unsigned lib.types.str;
          default = 10;
          defaultText = lib.literalExpression "\"10s\"";
          description = "Time between the end of the activation and the first round of checks, for services to start.";
        };
        interval = lib.mkOption {
          type = lib.types.either lib.types.ints.unsigned lib.types.str;
          default = 5;
          defaultText = lib.literalExpression "\"5s\"";
          description = "Time between two rounds of checks (at least 1s).";
        };
        timeout = lib.mkOption {
          type = lib.types.either lib.types.ints.unsigned lib.types.str;
          default = 120;
          defaultText = lib.literalExpression "\"2m\"";
          description = "Time after the grace period within which one round must pass, or the deployment is unhealthy.";
        };
        onFailure = lib.mkOption {
          type = lib.types.enum [ "rollback" "report" ];
          default = "rollback";
          description = "What an unhealthy deployment (or a failed activation) does: `rollback` returns to the system that was current before and quarantines the commit; `report` only marks the deployment failed.";
        };
      };
    });
    default = null;
    description = "Checks that a deployment must pass after activation, and what a failure does (roll back and quarantine the commit, or report); `null` means a deployment is done when its activation succeeds.";
    example = {
      checks = [
        {
          name = "web";
          http = {
            url = "http://127.0.0.1:8080/healthz";
          };
          timeout = "5s";
        }
        {
          name = "nginx";
          systemdUnit = "nginx.service";
        }
        {
          name = "units";
          noFailedUnits = true;
        }
      ];
      gracePeriod = "10s";
      timeout = "2m";
    };
  };
  reboot = lib.mkOption {
    type = lib.types.submodule {
      options = {
        policy = lib.mkOption {
          type = lib.types.enum [ "never" "notify" "when-needed" "always" ];
          default = "notify";
          description = "What to do when the machine needs a reboot: `never`; `notify` (an event only); `when-needed` (reboot inside a window); `always` (also after every `boot` deployment).";
        };
        windows = lib.mkOption {
          type = lib.types.listOf (lib.types.submodule {
            options = {
              days = lib.mkOption {
                type = lib.types.nonEmptyListOf (lib.types.enum [ "mon" "tue" "wed" "thu" "fri" "sat" "sun" ]);
                default = [ "mon" "tue" "wed" "thu" "fri" "sat" "sun" ];
                description = "Days on which the window opens (the day of `from`).";
              };
              from = lib.mkOption {
                type = lib.types.str;
                description = "Opening time, `HH:MM`, in `timeZone`.";
                example = "02:00";
              };
              to = lib.mkOption {
                type = lib.types.str;
                description = "Closing time, `HH:MM`, exclusive; earlier than `from` means the window ends the next day.";
                example = "04:00";
              };
              timeZone = lib.mkOption {
                type = lib.types.str;
                default = "UTC";
                description = "IANA time zone of `from` and `to`; daylight-saving changes follow its wall clock.";
                example = "Europe/Paris";
              };
            };
          });
          default = [ ];
          description = "Windows in which a reboot may happen. Empty means at any time.";
          example = [
            {
              days = [ "sat" "sun" ];
              from = "23:00";
              to = "05:00";
              timeZone = "Europe/Paris";
            }
          ];
        };
        command = lib.mkOption {
          type = lib.types.nonEmptyListOf lib.types.str;
          default = [ "systemctl" "reboot" ];
          description = "Command that reboots the machine (no shell).";
        };
        coordination = lib.mkOption {
          type = lib.types.nullOr (lib.types.submodule {
            options = {
              etcd = lib.mkOption {
                type = lib.types.nullOr (lib.types.submodule {
                  options = {
                    endpoints = lib.mkOption {
                      type = lib.types.nonEmptyListOf lib.types.str;
                      description = "Client URLs of the etcd v3 cluster (`https://10.0.0.5:2379`), tried in order.";
                      example = [ "https://10.0.0.5:2379" "https://10.0.0.6:2379" ];
                    };
                    prefix = lib.mkOption {
                      type = lib.types.str;
                      default = "/comin/reboot-lock";
                      description = "Key prefix: the lock of a group is the key `<prefix>/<group>`.";
                    };
                    caFile = lib.mkOption {
                      type = lib.types.nullOr lib.types.path;
                      default = null;
                      description = "CA certificate (PEM) that the `https://` endpoints' certificates are checked against; `null` uses the system's trusted CAs.";
                      example = "/etc/comin/etcd-ca.pem";
                    };
                    certFile = lib.mkOption {
                      type = lib.types.nullOr lib.types.path;
                      default = null;
                      description = "Client certificate (PEM) for TLS client authentication; set together with `keyFile`.";
                      example = "/etc/comin/etcd-client.pem";
                    };
                    keyFile = lib.mkOption {
                      type = lib.types.nullOr (lib.types.strMatching "/.*");
                      default = null;
                      description = "Private key (PEM) of `certFile`; read at each connection, never logged.";
                      example = "/run/secrets/etcd-client-key.pem";
                    };
                  };
                });
                default = null;
                description = "Take the reboot lock in an etcd v3 cluster (compare-and-swap transactions on one key per group). Set exactly one of `etcd` and `fleetLock`.";
                example = {
                  endpoints = [ "https://10.0.0.5:2379" ];
                  caFile = "/etc/comin/etcd-ca.pem";
                };
              };
              fleetLock = lib.mkOption {
                type = lib.types.nullOr (lib.types.submodule {
                  options = {
                    url = lib.mkOption {
                      type = lib.types.str;
                      description = "Base URL of the FleetLock server (Zincati's protocol, e.g. airlock): the agent posts to `<url>/v1/pre-reboot` and `<url>/v1/steady-state`.";
                      example = "http://airlock.example.org:3333";
                    };
                  };
                });
                default = null;
                description = "Take the reboot lock from a FleetLock server. Set exactly one of `etcd` and `fleetLock`.";
                example = {
                  url = "http://airlock.example.org:3333";
                };
              };
              group = lib.mkOption {
                type = lib.types.str;
                default = "default";
                description = "Machines of the same group share the slots; machines of different groups never wait for each other.";
              };
              slots = lib.mkOption {
                type = lib.types.ints.between 1 1000;
                default = 1;
                description = "How many machines of the group may be between \"about to reboot\" and \"back and healthy\" at once. etcd only: a FleetLock server owns its slot count, so with `fleetLock` any value other than 1 is refused (set it on the server).";
              };
            };
          });
          default = null;
          description = "Fleet-wide reboot lock: at most `slots` machines of a `group` reboot at once, each holding its slot until it is back and healthy. The lock lives in etcd or a FleetLock server; `null` reboots without asking anyone.";
          example = {
            etcd = {
              endpoints = [ "https://10.0.0.5:2379" ];
            };
            group = "web";
            slots = 2;
          };
        };
      };
    };
    default = { };
    description = "Reboot policy, windows, command and fleet-wide coordination.";
  };
  confirm = lib.mkOption {
    type = lib.types.submodule {
      options = {
        build = lib.mkOption {
          type = lib.types.submodule {
            options = {
              mode = lib.mkOption {
                type = lib.types.enum [ "without" "manual" "auto" ];
                default = "without";
                description = "`without`: proceed at once; `manual`: wait for `comin confirmation accept`; `auto`: proceed after `after` unless a newer candidate arrives.";
              };
              after = lib.mkOption {
                type = lib.types.either lib.types.ints.unsigned lib.types.str;
                default = 120;
                defaultText = lib.literalExpression "\"2m\"";
                description = "Delay of the `auto` mode.";
              };
            };
          };
          default = { };
          description = "Confirmation before building a generation.";
        };
        deploy = lib.mkOption {
          type = lib.types.submodule {
            options = {
              mode = lib.mkOption {
                type = lib.types.enum [ "without" "manual" "auto" ];
                default = "without";
                description = "`without`: proceed at once; `manual`: wait for `comin confirmation accept`; `auto`: proceed after `after` unless a newer candidate arrives.";
              };
              after = lib.mkOption {
                type = lib.types.either lib.types.ints.unsigned lib.types.str;
                default = 120;
                defaultText = lib.literalExpression "\"2m\"";
                description = "Delay of the `auto` mode.";
              };
            };
          };
          default = { };
          description = "Confirmation before deploying a generation.";
        };
      };
    };
    default = { };
    description = "Confirmations before building and deploying.";
  };
  postDeploymentCommand = lib.mkOption {
    type = lib.types.nullOr lib.types.path;
    default = null;
    description = "Absolute path of a program run after each deployment (no shell, no arguments), with `COMIN_GIT_SHA`, `COMIN_GIT_REF`, `COMIN_GIT_MSG`, `COMIN_HOSTNAME`, `COMIN_GENERATION`, `COMIN_OPERATION`, `COMIN_STATUS`, `COMIN_ERROR_MSG` and `COMIN_FLAKE_URL` in its environment.";
    example = "/etc/comin/post-deploy";
  };
  exporter = lib.mkOption {
    type = lib.types.nullOr (lib.types.submodule {
      options = {
        listenAddress = lib.mkOption {
          type = lib.types.str;
          default = "127.0.0.1";
          description = "Address the Prometheus exporter listens on.";
        };
        port = lib.mkOption {
          type = lib.types.port;
          default = 4243;
          description = "Port of the Prometheus exporter (`/metrics`).";
        };
      };
    });
    default = { };
    description = "Prometheus exporter; `null` disables it.";
  };
  webhook = lib.mkOption {
    type = lib.types.nullOr (lib.types.submodule {
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
          type = lib.types.strMatching "/.*";
          description = "File holding the shared secret (GitHub/Gitea HMAC key, GitLab token, generic HMAC key).";
          example = "/run/secrets/comin-webhook";
        };
        maxBodyBytes = lib.mkOption {
          type = lib.types.ints.between 1024 67108864;
          default = 1048576;
          description = "Largest accepted request body, in bytes (larger requests get 413).";
        };
      };
    });
    default = null;
    description = "Webhook listener that triggers fetches; `null` disables it.";
    example = {
      port = 4244;
      secretFile = "/run/secrets/comin-webhook";
    };
  };
  retention = lib.mkOption {
    type = lib.types.submodule {
      options = {
        bootEntries = lib.mkOption {
          type = lib.types.ints.between 1 1000;
          default = 3;
          description = "Boot entries (distinct systems deployed with `switch` or `boot`) kept in the comin profile.";
        };
        successful = lib.mkOption {
          type = lib.types.ints.between 1 1000;
          default = 3;
          description = "Successful deployments kept in the history.";
        };
        any = lib.mkOption {
          type = lib.types.ints.between 1 1000;
          default = 5;
          description = "Deployments of any status kept in the history.";
        };
      };
    };
    default = { };
    description = "How much deployment history (and how many boot entries) to keep.";
  };
  stateDir = lib.mkOption {
    type = lib.types.path;
    default = "/var/lib/comin";
    description = "Directory of the agent's state: bare repository, state.json, socket, GC roots.";
  };
  paths = lib.mkOption {
    type = lib.types.submodule {
      options = {
        machineIdFile = lib.mkOption {
          type = lib.types.path;
          default = "/etc/machine-id";
          description = "File holding this machine's id.";
        };
        currentSystem = lib.mkOption {
          type = lib.types.path;
          default = "/run/current-system";
          description = "Link to the running system.";
        };
        bootedSystem = lib.mkOption {
          type = lib.types.path;
          default = "/run/booted-system";
          description = "Link to the system the machine booted.";
        };
        profile = lib.mkOption {
          type = lib.types.path;
          default = "/nix/var/nix/profiles/system-profiles/comin";
          description = "Nix profile that `switch` and `boot` deployments set (bootloaders list its generations).";
        };
        socket = lib.mkOption {
          type = lib.types.nullOr lib.types.path;
          default = null;
          description = "Unix socket of the local API; `null` means `<stateDir>/comin.sock`.";
        };
        systemdUnit = lib.mkOption {
          type = lib.types.nullOr lib.types.str;
          default = "comin.service";
          description = "systemd unit of the agent, watched for changes to restart itself; `null` disables the check.";
        };
      };
    };
    default = { };
    description = "Locations of system files, for non-standard roots (tests, containers).";
  };
}
