// Small machines that never evaluate: CI publishes each commit's systems to a binary cache
// (`comin publish --to s3://… --sign-key …`) and attaches a manifest as a git note; the machines
// substitute them. Reboots are coordinated fleet-wide: at most two kiosks reboot at once (etcd),
// and the routers take their slot from a FleetLock server. Everything is health-checked.
import { defineConfig } from "comin";

export default defineConfig({
  remotes: [{ name: "origin", url: "https://git.example.org/infra.git", auth: { tokenFile: "/run/secrets/git-token" } }],
  prebuilt: {
    substituters: ["https://cache.example.org"],
    trustedPublicKeys: ["cache.example.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="],
    notesRef: "refs/notes/comin",
    missing: "wait",
  },
  health: {
    checks: [{ name: "units", noFailedUnits: true }],
  },
  reboot: {
    policy: "when-needed",
    windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], from: "02:00", to: "05:00", timeZone: "Europe/Berlin" }],
    coordination: {
      etcd: {
        endpoints: ["https://10.0.0.5:2379", "https://10.0.0.6:2379"],
        caFile: "/etc/comin/etcd-ca.pem",
        certFile: "/etc/comin/etcd-client.pem",
        keyFile: "/run/secrets/etcd-client-key.pem",
      },
      group: "kiosks",
      slots: 2,
    },
  },
  hosts: {
    "kiosk-1": {},
    "kiosk-2": {},
    "kiosk-3": {},
    // A router may evaluate itself when CI is late, and coordinates through airlock instead.
    "router-1": {
      prebuilt: { missing: "evaluate" },
      health: { checks: [{ name: "uplink", command: ["/run/current-system/sw/bin/ping", "-c1", "-W2", "10.0.0.1"] }] },
      reboot: { coordination: { etcd: null, fleetLock: { url: "http://airlock.example.org:3333" }, group: "routers", slots: 1 } },
    },
  },
});
