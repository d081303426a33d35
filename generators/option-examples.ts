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
  health: {
    checks: [
      { name: "web", http: { url: "http://127.0.0.1:8080/healthz" }, timeout: "5s" },
      { name: "nginx", systemdUnit: "nginx.service" },
      { name: "units", noFailedUnits: true },
    ],
    gracePeriod: "10s",
    timeout: "2m",
  },
  "health.checks": [{ name: "web", http: { url: "http://127.0.0.1:8080/healthz", expectStatus: 200 } }],
  "health.checks.*.name": "web",
  "health.checks.*.http": { url: "http://127.0.0.1:8080/healthz", expectStatus: 200 },
  "health.checks.*.http.url": "http://127.0.0.1:8080/healthz",
  "health.checks.*.systemdUnit": "nginx.service",
  "health.checks.*.noFailedUnits": true,
  "health.checks.*.command": ["/run/current-system/sw/bin/app-check", "--quick"],
  prebuilt: {
    substituters: ["https://cache.example.org"],
    trustedPublicKeys: ["cache.example.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="],
  },
  "prebuilt.substituters": ["https://cache.example.org"],
  "prebuilt.trustedPublicKeys": ["cache.example.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="],
  "reboot.coordination": { etcd: { endpoints: ["https://10.0.0.5:2379"] }, group: "web", slots: 2 },
  "reboot.coordination.etcd": { endpoints: ["https://10.0.0.5:2379"], caFile: "/etc/comin/etcd-ca.pem" },
  "reboot.coordination.etcd.endpoints": ["https://10.0.0.5:2379", "https://10.0.0.6:2379"],
  "reboot.coordination.etcd.caFile": "/etc/comin/etcd-ca.pem",
  "reboot.coordination.etcd.certFile": "/etc/comin/etcd-client.pem",
  "reboot.coordination.etcd.keyFile": "/run/secrets/etcd-client-key.pem",
  "reboot.coordination.fleetLock": { url: "http://airlock.example.org:3333" },
  "reboot.coordination.fleetLock.url": "http://airlock.example.org:3333",
  "remotes.*.allowInsecureHttp": true,
};
