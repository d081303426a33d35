# Agent settings of the prebuilt suite (../../prebuilt.nix): the agent never evaluates; it
# substitutes what CI (git1) published to the binary cache git1 serves over HTTP. The public key
# is the one of the TEST-ONLY key pair in ../../lib/test-cache.secret (made with
# `nix-store --generate-binary-cache-key comin-vm-test-cache-1 …`; it signs nothing but the VM
# test's own systems).
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
    prebuilt = {
      substituters = [ "http://git1" ];
      trustedPublicKeys = [ "comin-vm-test-cache-1:pPfUJoW0BsTLCqOcfHqTfRAKN/HXXwxS9pIUdS8Cqx4=" ];
      missing = "wait";
    };
  };
}
