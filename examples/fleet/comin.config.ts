// A fleet of four machines fed by two remotes: a forge, and a local mirror that keeps working
// when the forge is down. Each host may override any key; objects merge, lists replace.
import { defineConfig } from "comin";

export default defineConfig({
  remotes: [
    {
      name: "origin",
      url: "https://git.example.org/infra.git",
      auth: { tokenFile: "/run/secrets/git-token" },
      poll: { interval: "2m", jitter: "30s" },
      branches: {
        main: { name: "main" },
        testing: { name: "testing-{hostname}", operation: "test" },
      },
    },
    {
      name: "mirror",
      url: "/srv/git/infra.git",
      timeout: "1m",
      poll: { interval: "10m" },
      branches: { testing: { name: null } },
    },
  ],
  timeouts: { build: "1h30m" },
  retries: { attempts: 5, backoff: "1m", maxBackoff: "30m" },
  reboot: {
    policy: "when-needed",
    // Weekend nights in Paris: the window opens at 23:00 and closes at 05:00 the next morning.
    windows: [{ days: ["fri", "sat"], from: "23:00", to: "05:00", timeZone: "Europe/Paris" }],
  },
  exporter: { listenAddress: "0.0.0.0", port: 9243 },
  hosts: {
    web1: {},
    web2: {
      // Moving web2 to new hardware: only the machine with this id deploys its configuration.
      machineId: "4c1d6e2f0a9b8c7d6e5f4a3b2c1d0e9f",
    },
    "db.internal": {
      reboot: {
        windows: [
          { days: ["sun"], from: "03:00", to: "04:00", timeZone: "UTC" },
          { days: ["wed"], from: "22:30", to: "23:30", timeZone: "UTC" },
        ],
      },
      confirm: { deploy: { mode: "manual" } },
    },
    canary: {
      reboot: { policy: "always", windows: [] },
      retries: { attempts: 1 },
      remotes: [
        {
          name: "origin",
          url: "https://git.example.org/infra.git",
          auth: { tokenFile: "/run/secrets/git-token" },
          branches: { testing: { name: "staging", operation: "switch" } },
        },
      ],
    },
  },
});
