/**
 * Examples shown in the Markdown reference and the Nix options, for keys whose type and default
 * do not say enough (required keys, lists of objects, keys that are off by default). Keyed by
 * dotted path; the walk attaches them to the option tree, and a test checks that each one is
 * accepted by the schema.
 */
export const OPTION_EXAMPLES: Readonly<Record<string, unknown>> = {
  remotes: [
    {
      name: "origin",
      url: "https://git.example.org/infra.git",
      auth: { tokenFile: "/run/secrets/git-token" },
      poll: { interval: "60s", jitter: "10s" },
    },
  ],
  "remotes.*.name": "origin",
  "remotes.*.url": "https://git.example.org/infra.git",
  "remotes.*.auth.tokenFile": "/run/secrets/git-token",
  "remotes.*.auth.sshKeyFile": "/run/secrets/deploy-key",
  "remotes.*.auth.knownHostsFile": "/etc/ssh/ssh_known_hosts",
  "repository.systemAttr": "machines.{hostname}",
  "signatures.gpgPublicKeyFiles": ["/etc/comin/alice.asc"],
  "signatures.sshAllowedSignersFile": "/etc/comin/allowed_signers",
  "reboot.windows": [{ days: ["sat", "sun"], from: "23:00", to: "05:00", timeZone: "Europe/Paris" }],
  "reboot.windows.*.from": "02:00",
  "reboot.windows.*.to": "04:00",
  "reboot.windows.*.timeZone": "Europe/Paris",
  postDeploymentCommand: "/etc/comin/post-deploy",
  webhook: { port: 4244, secretFile: "/run/secrets/comin-webhook" },
  "webhook.secretFile": "/run/secrets/comin-webhook",
  machineId: "0123456789abcdef0123456789abcdef",
};
