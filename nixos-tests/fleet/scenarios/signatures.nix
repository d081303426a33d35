# Agent settings of the signatures suite (../../signatures.nix). The trusted keys are made when the
# test runs, and installed at these fixed paths before the agent starts: the paths, not the keys,
# are part of the configuration, which therefore stays prebuildable.
{
  services.comin.settings = {
    remotes = [
      {
        name = "origin";
        url = "git://git1/fleet.git";
        timeout = 10;
        poll.interval = 2;
      }
    ];
    signatures = {
      gpgPublicKeyFiles = [ "/var/lib/comin-trust/signer.asc" ];
      sshAllowedSignersFile = "/var/lib/comin-trust/allowed_signers";
    };
  };
}
