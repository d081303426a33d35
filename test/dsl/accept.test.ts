/** Configurations resolveFleet accepts, and what each host's resolved configuration holds. */
import test from "ava";
import { fleet, host, ORIGIN, resolved } from "./fleet-helpers.js";

test("a minimal fleet gets every default, schemaVersion first", (t) => {
  const input = fleet();

  const config = host(input);

  t.deepEqual(Object.keys(config).slice(0, 3), ["schemaVersion", "hostname", "machineId"]);
  t.is(config.schemaVersion, 1);
  t.is(config.hostname, "web1");
  t.is(config.machineId, null);
  t.deepEqual(config.timeouts, { eval: 1800, build: 7200, switch: 900 });
  t.deepEqual(config.retries, { attempts: 3, backoff: 30, maxBackoff: 3600 });
  t.deepEqual(config.remotes[0]?.poll, { interval: 60, jitter: 0 });
  t.deepEqual(config.remotes[0]?.branches.main, { name: "main", operation: "switch", allowForcePush: false });
  t.deepEqual(config.reboot, { policy: "notify", windows: [], command: ["systemctl", "reboot"], coordination: null });
  t.deepEqual(config.exporter, { listenAddress: "127.0.0.1", port: 4243 });
  t.is(config.webhook, null);
  t.deepEqual(config.retention, { bootEntries: 3, successful: 3, any: 5 });
});

test("{hostname} is substituted per host in branch names", (t) => {
  const input = fleet({ remotes: [{ ...ORIGIN, branches: { main: { name: "main-{hostname}" } } }] }, { web1: {}, "db.internal": {} });

  const hosts = resolved(input);

  t.is(hosts.web1?.remotes[0]?.branches.testing.name, "testing-web1");
  t.is(hosts["db.internal"]?.remotes[0]?.branches.testing.name, "testing-db.internal");
  t.is(hosts["db.internal"]?.remotes[0]?.branches.main.name, "main-db.internal");
});

test("{hostname} is substituted in systemAttr", (t) => {
  const input = fleet({ repository: { type: "nix", systemAttr: "machines.{hostname}.system" } }, { gateway: {} });

  const config = host(input, "gateway");

  t.is(config.repository.systemAttr, "machines.gateway.system");
});

test("durations in every accepted form become seconds", (t) => {
  const input = fleet({
    remotes: [{ ...ORIGIN, timeout: 90, poll: { interval: "1h30m", jitter: "0s" } }],
    timeouts: { eval: "90s", build: "2h", switch: "1h0m30s" },
  });

  const config = host(input);

  t.is(config.remotes[0]?.timeout, 90);
  t.deepEqual(config.remotes[0]?.poll, { interval: 5400, jitter: 0 });
  t.deepEqual(config.timeouts, { eval: 90, build: 7200, switch: 3630 });
});

test("a host override merges into fleet objects key by key", (t) => {
  const window = { days: ["sat"], from: "02:00", to: "04:00", timeZone: "Europe/Paris" };
  const input = fleet({ reboot: { policy: "when-needed", windows: [window] } }, { web1: { reboot: { policy: "never" } }, web2: {} });

  const hosts = resolved(input);

  t.is(hosts.web1?.reboot.policy, "never");
  t.deepEqual(hosts.web1?.reboot.windows, [window]);
  t.is(hosts.web2?.reboot.policy, "when-needed");
});

test("a host override replaces fleet lists wholesale", (t) => {
  const mirror = { name: "mirror", url: "/srv/git/infra.git" };
  const input = fleet({ reboot: { windows: [{ from: "01:00", to: "02:00" }] } }, { web1: { remotes: [mirror], reboot: { windows: [] } }, web2: {} });

  const hosts = resolved(input);

  t.deepEqual(hosts.web1?.remotes.map((remote) => remote.name), ["mirror"]);
  t.deepEqual(hosts.web1?.reboot.windows, []);
  t.deepEqual(hosts.web2?.remotes.map((remote) => remote.name), ["origin"]);
  t.is(hosts.web2?.reboot.windows.length, 1);
});

test("null in a host override disables a fleet object", (t) => {
  const input = fleet({ webhook: { secretFile: "/run/secrets/hook" } }, { web1: { webhook: null, exporter: null }, web2: {} });

  const hosts = resolved(input);

  t.is(hosts.web1?.webhook, null);
  t.is(hosts.web1?.exporter, null);
  t.is(hosts.web2?.webhook?.secretFile, "/run/secrets/hook");
});

test("remotes may be given per host only", (t) => {
  const input = { hosts: { a: { remotes: [ORIGIN] }, b: { remotes: [{ name: "mirror", url: "/srv/git/infra.git" }] } } };

  const hosts = resolved(input);

  t.is(hosts.a?.remotes[0]?.name, "origin");
  t.is(hosts.b?.remotes[0]?.name, "mirror");
});

test("a machine id is kept for its host only", (t) => {
  const input = fleet({}, { web1: { machineId: "0123456789abcdef0123456789abcdef" }, web2: {} });

  const hosts = resolved(input);

  t.is(hosts.web1?.machineId, "0123456789abcdef0123456789abcdef");
  t.is(hosts.web2?.machineId, null);
});

test("a window spanning midnight, and windows in different time zones, are accepted", (t) => {
  const windows = [
    { days: ["fri", "sat"], from: "23:00", to: "05:00", timeZone: "Europe/Paris" },
    { days: ["fri"], from: "23:30", to: "01:00", timeZone: "UTC" },
  ];

  const config = host(fleet({ reboot: { policy: "when-needed", windows } }));

  t.deepEqual(config.reboot.windows, windows);
});

test("a disabled testing branch stays null", (t) => {
  const config = host(fleet({ remotes: [{ ...ORIGIN, branches: { testing: { name: null } } }] }));

  t.is(config.remotes[0]?.branches.testing.name, null);
});

test("the socket defaults to <stateDir>/comin.sock, and an explicit one is kept", (t) => {
  const input = fleet({ stateDir: "/srv/comin" }, { web1: {}, web2: { paths: { socket: "/run/comin.sock" } } });

  const hosts = resolved(input);

  t.is(hosts.web1?.paths.socket, "/srv/comin/comin.sock");
  t.is(hosts.web2?.paths.socket, "/run/comin.sock");
  t.is(hosts.web2?.paths.machineIdFile, "/etc/machine-id");
});

test("SSH, scp-like, git, file and local URLs are accepted", (t) => {
  const remotes = [
    { name: "a", url: "ssh://git@git.example.org/infra.git", auth: { sshKeyFile: "/run/key", knownHostsFile: "/etc/ssh/known" } },
    { name: "b", url: "git@git.example.org:infra.git" },
    { name: "c", url: "git://git.example.org/infra.git" },
    { name: "d", url: "file:///srv/git/infra.git" },
    { name: "e", url: "/srv/git/infra.git" },
  ];

  const config = host(fleet({ remotes }));

  t.deepEqual(config.remotes.map((remote) => remote.url), remotes.map((remote) => remote.url));
});

test("the exporter may be disabled and the webhook share its port on another address", (t) => {
  const input = fleet({ exporter: { listenAddress: "127.0.0.1", port: 4244 }, webhook: { listenAddress: "10.0.0.1", port: 4244, secretFile: "/run/s" } });

  const config = host(input);

  t.is(config.webhook?.port, 4244);
  t.is(config.webhook?.maxBodyBytes, 1024 * 1024);
});
