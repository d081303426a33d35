// Web servers that check themselves after every deployment: a deployment that does not come
// up healthy within two minutes is rolled back to the previous system, and its commit is
// quarantined. The staging host only reports.
import { defineConfig } from "comin";

export default defineConfig({
  remotes: [{ name: "origin", url: "https://git.example.org/infra.git", auth: { tokenFile: "/run/secrets/git-token" } }],
  health: {
    checks: [
      { name: "site", http: { url: "http://127.0.0.1:8080/healthz" }, timeout: "5s" },
      { name: "api", http: { url: "https://127.0.0.1:8443/ready", expectStatus: 204 } },
      { name: "nginx", systemdUnit: "nginx.service" },
      { name: "units", noFailedUnits: true },
      { name: "db-schema", command: ["/run/current-system/sw/bin/app-check", "--schema"], timeout: "30s" },
    ],
    gracePeriod: "15s",
    interval: "5s",
    timeout: "2m",
    onFailure: "rollback",
  },
  hosts: {
    web1: {},
    web2: {},
    staging: {
      health: { onFailure: "report" },
      remotes: [{ name: "origin", url: "https://git.example.org/infra.git", auth: { tokenFile: "/run/secrets/git-token" }, branches: { main: { name: "staging" }, testing: { name: null } } }],
    },
  },
});
