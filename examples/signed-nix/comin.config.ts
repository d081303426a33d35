// A classic (non-flake) repository: each machine is the attribute machines.<hostname> of
// default.nix. Only commits signed by a trusted GPG or SSH key are ever evaluated.
import { defineConfig } from "comin";

export default defineConfig({
  remotes: [
    {
      name: "origin",
      url: "git@git.example.org:ops/machines.git",
      auth: { sshKeyFile: "/run/secrets/comin-deploy-key", knownHostsFile: "/etc/ssh/ssh_known_hosts" },
      // Pushes arrive through the webhook; polling is only a safety net.
      poll: { interval: "30m", jitter: "5m" },
    },
  ],
  repository: { type: "nix", subdir: "nixos", systemAttr: "machines.{hostname}" },
  signatures: {
    gpgPublicKeyFiles: ["/etc/comin/keys/alice.asc", "/etc/comin/keys/bob.asc"],
    sshAllowedSignersFile: "/etc/comin/allowed_signers",
  },
  webhook: { port: 4244, secretFile: "/run/secrets/comin-webhook" },
  postDeploymentCommand: "/etc/comin/notify-deployment",
  confirm: { build: { mode: "auto", after: "5m" } },
  hosts: {
    gateway: { machineId: "0123456789abcdef0123456789abcdef" },
    storage: { reboot: { policy: "never" }, timeouts: { build: "4h" } },
  },
});
