/**
 * Configurations resolveFleet must refuse: each case names every problem it expects, by path and
 * message, and nothing else may be reported.
 */
import test from "ava";
import { fleet, ORIGIN } from "./fleet-helpers.js";
import { rejects } from "./reject-helpers.js";

const DURATION_FORMS = /expected a whole number of seconds, or a string such as "90s", "5m", "2h", "1h30m"/;

// Typos and unknown keys
test("a misspelt top-level key, with a suggestion", rejects, { remote: [ORIGIN], hosts: { web1: {} } }, [
  ["remote", /^unknown key "remote" \(did you mean "remotes"\?\)$/],
  // Without `remotes`, the host has none: that is reported too, where it can be fixed.
  ["hosts.web1.remotes", /^required: expected a list of remotes$/],
]);
test("a misspelt nested key, with a suggestion", rejects, fleet({ reboot: { polcy: "never" } }), [
  ["reboot.polcy", /^unknown key "polcy" \(did you mean "policy"\?\)$/],
]);
test("a misspelt key in a host override, at the host's path", rejects, fleet({}, { web1: { reboot: { windws: [] } } }), [
  ["hosts.web1.reboot.windws", /^unknown key "windws" \(did you mean "windows"\?\)$/],
]);
test("an unknown per-host key, listing the allowed ones", rejects, fleet({}, { web1: { colour: "blue" } }), [
  ["hosts.web1.colour", /^unknown key "colour" \(allowed: remotes, .*, paths, machineId\)$/],
]);
test("an unknown key inside a list element of a host override", rejects, fleet({}, { web1: { remotes: [{ ...ORIGIN, branch: {} }] } }), [
  ["hosts.web1.remotes[0].branch", /^unknown key "branch" \(did you mean "branches"\?\)$/],
]);
test("a per-host key at the fleet level", rejects, fleet({ machineId: "0123456789abcdef0123456789abcdef" }), [
  ["machineId", /^"machineId" is a per-host key: set it under hosts\.<name>\.machineId$/],
]);
test("a misspelt enum value, with a suggestion", rejects, fleet({ reboot: { policy: "when_needed" } }), [
  ["reboot.policy", /^invalid value "when_needed": expected one of "never", "notify", "when-needed", "always" \(did you mean "when-needed"\?\)$/],
]);
test("a misspelt operation", rejects, fleet({ remotes: [{ ...ORIGIN, branches: { main: { operation: "swtich" } } }] }), [
  ["remotes[0].branches.main.operation", /^invalid value "swtich": expected one of "switch", "test", "boot" \(did you mean "switch"\?\)$/],
]);
test("a day name that is not an abbreviation", rejects, fleet({ reboot: { windows: [{ days: ["monday"], from: "01:00", to: "02:00" }] } }), [
  ["reboot.windows[0].days[0]", /^invalid value "monday": expected one of "mon", "tue", "wed", "thu", "fri", "sat", "sun"/],
]);

// Durations
test("a duration in words", rejects, fleet({ timeouts: { eval: "5 minutes" } }), [
  ["timeouts.eval", new RegExp(`^invalid duration "5 minutes": ${DURATION_FORMS.source}$`)],
]);
test("a negative duration", rejects, fleet({ timeouts: { build: -1 } }), [["timeouts.build", /^invalid duration -1: /]]);
test("a fractional duration", rejects, fleet({ remotes: [{ ...ORIGIN, timeout: 1.5 }] }), [["remotes[0].timeout", /^invalid duration 1\.5: /]]);
test("a duration with units out of order", rejects, fleet({ retries: { backoff: "30s1m" } }), [["retries.backoff", /^invalid duration "30s1m": /]]);
test("a duration of the wrong type", rejects, fleet({ timeouts: { switch: true } }), [["timeouts.switch", /^expected a duration: /]]);
test("a jitter as long as the interval", rejects, fleet({ remotes: [{ ...ORIGIN, poll: { interval: "1m", jitter: "60s" } }] }), [
  ["remotes[0].poll.jitter", /^jitter \(1m\) must be shorter than the interval \(1m\)$/],
]);
test("a backoff longer than maxBackoff", rejects, fleet({ retries: { backoff: "2h" } }), [
  ["retries.backoff", /^backoff \(2h\) is longer than maxBackoff \(1h\)$/],
]);
test("a zero timeout", rejects, fleet({ timeouts: { eval: 0 } }), [["timeouts.eval", /^a timeout must be at least 1s$/]]);
test("an auto confirmation without delay", rejects, fleet({ confirm: { deploy: { mode: "auto", after: "0s" } } }), [
  ["confirm.deploy.after", /^the "auto" confirmation needs a delay of at least 1s/],
]);

// Time zones, windows
test("a misspelt time zone, with a suggestion", rejects, fleet({ reboot: { windows: [{ from: "02:00", to: "04:00", timeZone: "Europe/Pars" }] } }), [
  ["reboot.windows[0].timeZone", /^unknown time zone "Europe\/Pars" \(did you mean "Europe\/Paris"\?\): expected an IANA name/],
]);
test("an unknown time zone without a close name", rejects, fleet({ reboot: { windows: [{ from: "02:00", to: "04:00", timeZone: "Mars/Olympus_Mons" }] } }), [
  ["reboot.windows[0].timeZone", /^unknown time zone "Mars\/Olympus_Mons": expected an IANA name such as "UTC" or "Europe\/Paris"$/],
]);
test("overlapping windows", rejects, fleet({ reboot: { windows: [{ from: "02:00", to: "04:00" }, { days: ["mon"], from: "03:00", to: "05:00" }] } }), [
  ["reboot.windows[1]", /^this window overlaps reboot\.windows\[0\]: merge them into one$/],
]);
test("a window spanning midnight that overlaps the next day's window", rejects,
  fleet({ reboot: { windows: [{ days: ["sun"], from: "23:00", to: "02:00" }, { days: ["mon"], from: "01:00", to: "03:00" }] } }),
  [["reboot.windows[1]", /^this window overlaps reboot\.windows\[0\]/]],
);
test("a window whose from equals its to", rejects, fleet({ reboot: { windows: [{ from: "02:00", to: "02:00" }] } }), [
  ["reboot.windows[0].to", /^the window is empty: from and to are both 02:00$/],
]);
test("a clock time past 23:59", rejects, fleet({ reboot: { windows: [{ from: "24:00", to: "04:00" }] } }), [
  ["reboot.windows[0].from", /^invalid time "24:00": expected HH:MM on a 24-hour clock/],
]);
test("a window without days", rejects, fleet({ reboot: { windows: [{ days: [], from: "01:00", to: "02:00" }] } }), [
  ["reboot.windows[0].days", /^a window needs at least one day$/],
]);
test("a day listed twice", rejects, fleet({ reboot: { windows: [{ days: ["mon", "mon"], from: "01:00", to: "02:00" }] } }), [
  ["reboot.windows[0].days", /^day "mon" is listed twice$/],
]);
test("a fleet window without its end, reported once at the fleet", rejects, fleet({ reboot: { windows: [{ from: "01:00" }] } }, { a: {}, b: {} }), [
  ["reboot.windows[0].to", /^required: /],
]);

// Remotes and branches
test("duplicate remote names", rejects, fleet({ remotes: [ORIGIN, { ...ORIGIN, url: "/srv/git/infra.git" }] }), [
  ["remotes[1].name", /^duplicate remote name "origin" \(also remotes\[0\]\): names must be unique$/],
]);
test("a testing branch equal to the main branch", rejects, fleet({ remotes: [{ ...ORIGIN, branches: { main: { name: "prod" }, testing: { name: "prod" } } }] }), [
  ["remotes[0].branches.testing.name", /^the testing branch must differ from the main branch \(both are "prod"\); use null to disable testing$/],
]);
test("branches that become equal after {hostname} substitution", rejects,
  fleet({ remotes: [{ ...ORIGIN, branches: { main: { name: "{hostname}" }, testing: { name: "web1" } } }] }),
  [["remotes[0].branches.testing.name", /both are "web1"/]],
);
test("an invalid branch name", rejects, fleet({ remotes: [{ ...ORIGIN, branches: { main: { name: "main..x" } } }] }), [
  ["remotes[0].branches.main.name", /^invalid branch name "main\.\.x": contains "\.\."$/],
]);
test("an empty list of remotes", rejects, fleet({ remotes: [] }), [["remotes", /^at least one remote is required$/]]);
test("no remotes anywhere, at the host", rejects, { hosts: { web1: {} } }, [["hosts.web1.remotes", /^required: expected a list of remotes$/]]);
test("remotes that are not a list", rejects, fleet({ remotes: { name: "origin" } }), [["remotes", /^expected a list of remotes$/]]);
test("a remote without url, reported once at the fleet", rejects, fleet({ remotes: [{ name: "origin" }] }, { a: {}, b: {} }), [
  ["remotes[0].url", /^required: /],
]);
test("a host's own remote without url, at the host", rejects, { hosts: { a: { remotes: [{ name: "origin" }] } } }, [
  ["hosts.a.remotes[0].url", /^required: /],
]);
test("an invalid remote name", rejects, fleet({ remotes: [{ name: "-origin", url: "/srv/git/infra.git" }] }), [
  ["remotes[0].name", /^invalid remote name "-origin": expected letters, digits/],
]);
test("an unsupported URL scheme", rejects, fleet({ remotes: [{ name: "origin", url: "ftp://example.org/x" }] }), [
  ["remotes[0].url", /^unsupported URL "ftp:\/\/example\.org\/x": expected https:\/\//],
]);
test("a password in the URL", rejects, fleet({ remotes: [{ name: "origin", url: "https://me:secret@git.example.org/x.git" }] }), [
  ["remotes[0].url", /^the URL embeds a password: put the token in auth\.tokenFile instead$/],
]);
test("a token file with an SSH URL", rejects, fleet({ remotes: [{ name: "origin", url: "git@git.example.org:x.git", auth: { tokenFile: "/run/t" } }] }), [
  ["remotes[0].auth.tokenFile", /^tokenFile is only used with https:\/\/ URLs, and this remote's URL is ssh$/],
]);
test("a known_hosts file without an SSH key", rejects, fleet({ remotes: [{ ...ORIGIN, auth: { knownHostsFile: "/etc/ssh/known" } }] }), [
  ["remotes[0].auth.knownHostsFile", /^knownHostsFile is only used together with sshKeyFile$/],
]);
test("a relative token file path", rejects, fleet({ remotes: [{ ...ORIGIN, auth: { tokenFile: "secrets/token" } }] }), [
  ["remotes[0].auth.tokenFile", /^expected an absolute path, got "secrets\/token"$/],
]);

// Repository
test("systemAttr with a flake", rejects, fleet({ repository: { systemAttr: "machines.web1" } }), [
  ["repository.systemAttr", /^systemAttr is only used with type "nix"/],
]);
test("a nix repository without systemAttr", rejects, fleet({ repository: { type: "nix" } }), [
  ["repository.systemAttr", /^type "nix" needs systemAttr: .*"machines\.\{hostname\}"$/],
]);
test("a subdir escaping the repository", rejects, fleet({ repository: { subdir: "../other" } }), [
  ["repository.subdir", /^invalid subdir "\.\.\/other": expected a relative path inside the repository, without "\.\."$/],
]);

// Hosts
test("a config without hosts", rejects, { remotes: [ORIGIN] }, [["hosts", /^required: declare at least one host, e.g\. hosts: \{ web1: \{\} \}$/]]);
test("an empty hosts object", rejects, fleet({}, {}), [["hosts", /^expected an object with at least one host.*got an object$/]]);
test("hosts given as a list", rejects, { remotes: [ORIGIN], hosts: ["web1"] }, [["hosts", /got an array$/]]);
test("an invalid host name", rejects, fleet({}, { web_1: {} }), [["hosts.web_1", /^invalid host name "web_1": expected letters, digits and "-"/]]);
test("host names that differ only in case", rejects, fleet({}, { Web1: {}, web1: {} }), [
  ["hosts.web1", /^host names are case-insensitive: "web1" and "Web1" are the same host$/],
]);
test("a host override that is not an object", rejects, fleet({}, { web1: 3 }), [["hosts.web1", /^expected an object of overrides \(or \{\}\), got number 3$/]]);
test("an invalid machine id", rejects, fleet({}, { web1: { machineId: "ABC" } }), [
  ["hosts.web1.machineId", /^invalid machine id "ABC": expected 32 lowercase hexadecimal characters/],
]);
test("a configuration that is not an object", rejects, 42, [["(top level)", /^expected the configuration object \(defineConfig\(\{\.\.\.\}\)\), got number 42$/]]);

// Ports and listeners
test("port 0", rejects, fleet({ exporter: { port: 0 } }), [["exporter.port", /^port 0 is out of range 1-65535$/]]);
test("port 70000", rejects, fleet({ webhook: { port: 70000, secretFile: "/run/s" } }), [["webhook.port", /^port 70000 is out of range 1-65535$/]]);
test("a port given as a string", rejects, fleet({ exporter: { port: "80" } }), [["exporter.port", /^expected a TCP port number$/]]);
test("the webhook on the exporter's port", rejects, fleet({ exporter: { port: 4244 }, webhook: { secretFile: "/run/s" } }), [
  ["webhook.port", /^port 4244 is already used by the exporter$/],
]);
test("a webhook without secret file", rejects, fleet({ webhook: {} }), [["webhook.secretFile", /^required: /]]);

// Counts and commands
test("zero attempts", rejects, fleet({ retries: { attempts: 0 } }), [["retries.attempts", /^expected a whole number from 1 to 100, got 0$/]]);
test("retention beyond its range", rejects, fleet({ retention: { any: 5000 } }), [["retention.any", /^expected a whole number from 1 to 1000, got 5000$/]]);
test("an empty reboot command", rejects, fleet({ reboot: { command: [] } }), [["reboot.command", /^the reboot command cannot be empty$/]]);

// Where problems are reported, and all at once
test("every problem at once, each where it can be fixed", rejects,
  { remote: [], timeouts: { eval: "soon" }, hosts: { web1: { reboot: { policy: "sometimes" } }, bad_name: {} } },
  [
    ["remote", /^unknown key "remote"/],
    ["hosts.web1.remotes", /^required: /],
    ["timeouts.eval", /^invalid duration "soon"/],
    ["hosts.web1.reboot.policy", /^invalid value "sometimes": expected one of/],
    ["hosts.bad_name", /^invalid host name "bad_name"/],
  ],
);
test("a fleet problem shared by several hosts, reported once", rejects, fleet({ timeouts: { eval: "x" } }, { a: {}, b: {}, c: {} }), [
  ["timeouts.eval", /^invalid duration "x"/],
]);
test("a problem of one host's override, only at that host", rejects, fleet({}, { a: { timeouts: { eval: "x" } }, b: {} }), [
  ["hosts.a.timeouts.eval", /^invalid duration "x"/],
]);
test("a host override that breaks a fleet-valid rule, at the host", rejects,
  fleet({ remotes: [{ ...ORIGIN, branches: { main: { name: "prod" } } }] }, { a: { remotes: [{ ...ORIGIN, branches: { main: { name: "x" }, testing: { name: "x" } } }] }, b: {} }),
  [["hosts.a.remotes[0].branches.testing.name", /^the testing branch must differ/]],
);

// Secrets in clear
test("a token file with an http:// URL", rejects, fleet({ remotes: [{ name: "origin", url: "http://git.example.org/x.git", auth: { tokenFile: "/run/t" } }] }), [
  ["remotes[0].auth.tokenFile", /^tokenFile with an http:\/\/ URL sends the token in clear to anyone on the network path: use https:\/\/, or set allowInsecureHttp: true on this remote/],
]);
