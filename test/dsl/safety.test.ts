/**
 * The keys of behaviour §14–§16 (`health`, `prebuilt`, `reboot.coordination`): their defaults,
 * what a resolved host holds, and every rule that refuses them.
 */
import test from "ava";
import { healthCheckKind } from "../../dsl/schema.js";
import { fleet, host } from "./fleet-helpers.js";
import { rejects } from "./reject-helpers.js";

const PUBLIC_KEY = "cache.example.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=";
const SECRET_KEY = `cache.example.org-1:${Buffer.alloc(64, 7).toString("base64")}`;
const PREBUILT = { substituters: ["https://cache.example.org"], trustedPublicKeys: [PUBLIC_KEY] };
const ETCD = { endpoints: ["https://10.0.0.5:2379"] };

test("health, prebuilt and reboot coordination are off by default", (t) => {
  const config = host(fleet());

  t.is(config.health, null);
  t.is(config.prebuilt, null);
  t.is(config.reboot.coordination, null);
  t.false(config.remotes[0]?.allowInsecureHttp);
});

test("a health check gets its defaults, and health its timings in seconds", (t) => {
  const config = host(fleet({ health: { checks: [{ name: "web", http: { url: "http://127.0.0.1:8080/healthz" } }], interval: "1m" } }));

  t.deepEqual(config.health, {
    checks: [{ name: "web", http: { url: "http://127.0.0.1:8080/healthz", expectStatus: 200 }, systemdUnit: null, noFailedUnits: false, command: null, timeout: 10 }],
    gracePeriod: 10,
    interval: 60,
    timeout: 120,
    onFailure: "rollback",
  });
});

test("every kind of check is accepted", (t) => {
  const checks = [
    { name: "web", http: { url: "https://127.0.0.1/healthz", expectStatus: 204 }, timeout: "5s" },
    { name: "nginx", systemdUnit: "nginx.service" },
    { name: "units", noFailedUnits: true },
    { name: "app", command: ["/run/current-system/sw/bin/app-check", "--quick"] },
  ];

  const config = host(fleet({ health: { checks, onFailure: "report" } }));

  t.deepEqual(config.health?.checks.map((check) => [check.name, check.timeout]), [["web", 5], ["nginx", 10], ["units", 10], ["app", 10]]);
  t.is(config.health?.onFailure, "report");
});

test("prebuilt gets its defaults", (t) => {
  const config = host(fleet({ prebuilt: PREBUILT }));

  t.deepEqual(config.prebuilt, { ...PREBUILT, notesRef: "refs/notes/comin", missing: "wait" });
});

test("etcd coordination gets its defaults", (t) => {
  const config = host(fleet({ reboot: { policy: "when-needed", coordination: { etcd: ETCD } } }));

  t.deepEqual(config.reboot.coordination, {
    etcd: { endpoints: ETCD.endpoints, prefix: "/comin/reboot-lock", caFile: null, certFile: null, keyFile: null },
    fleetLock: null,
    group: "default",
    slots: 1,
  });
});

test("a host overrides the coordination group and slots of the fleet", (t) => {
  const input = fleet({ reboot: { coordination: { etcd: ETCD, slots: 3 } } }, { web1: { reboot: { coordination: { group: "db", slots: 1 } } } });

  const coordination = host(input).reboot.coordination;

  t.is(coordination?.group, "db");
  t.is(coordination?.slots, 1);
  t.deepEqual(coordination?.etcd?.endpoints, ETCD.endpoints);
});

test("allowInsecureHttp lets a token travel over http://", (t) => {
  const remote = { name: "origin", url: "http://git.internal/x.git", auth: { tokenFile: "/run/t" }, allowInsecureHttp: true };

  t.true(host(fleet({ remotes: [remote] })).remotes[0]?.allowInsecureHttp);
});

const check = (extra: Record<string, unknown>) => ({ name: "c", noFailedUnits: true, ...extra });
const health = (...checks: unknown[]) => ({ health: { checks } });

// Health
test("health without checks", rejects, fleet({ health: { checks: [] } }), [["health.checks", /^health needs at least one check \(or set health to null\)$/]]);
test("health without the checks key", rejects, fleet({ health: {} }), [["health.checks", /^required: expected a list of checks$/]]);
test("a check of no kind", rejects, fleet(health({ name: "nothing" })), [
  ["health.checks[0]", /^check "nothing" needs exactly one of http, systemdUnit, noFailedUnits: true or command; it sets none$/],
]);
test("a check of two kinds", rejects, fleet(health(check({ systemdUnit: "nginx.service" }))), [
  ["health.checks[0]", /^check "c" needs exactly one of .*; it sets systemdUnit and noFailedUnits$/],
]);
test("noFailedUnits: false is no kind", rejects, fleet(health({ name: "c", noFailedUnits: false })), [["health.checks[0]", /it sets none$/]]);
test("two checks with the same name", rejects, fleet(health(check({}), check({}))), [
  ["health.checks[1].name", /^duplicate check name "c" \(also health\.checks\[0\]\): names must be unique$/],
]);
test("a check name with a space", rejects, fleet(health(check({ name: "my check" }))), [["health.checks[0].name", /^invalid check name "my check": expected letters, digits/]]);
test("a command that is not an absolute path", rejects, fleet(health({ name: "app", command: ["app-check", "--quick"] })), [
  ["health.checks[0].command[0]", /^the program must be an absolute path \(no shell, no PATH lookup\), got "app-check"$/],
]);
test("an empty command", rejects, fleet(health({ name: "app", command: [] })), [["health.checks[0].command", /^the command cannot be empty/]]);
test("an http check with another scheme", rejects, fleet(health({ name: "web", http: { url: "ftp://127.0.0.1/x" } })), [
  ["health.checks[0].http.url", /^invalid URL "ftp:\/\/127\.0\.0\.1\/x": expected http:\/\/ or https:\/\/, got ftp:\/\/$/],
]);
test("an http check that is not a URL", rejects, fleet(health({ name: "web", http: { url: "localhost:8080" } })), [["health.checks[0].http.url", /^invalid URL "localhost:8080": /]]);
test("an http check with credentials in its URL", rejects, fleet(health({ name: "web", http: { url: "https://me:pw@127.0.0.1/" } })), [
  ["health.checks[0].http.url", /embeds credentials, and the configuration is readable by every user/],
]);
test("an http status out of range", rejects, fleet(health({ name: "web", http: { url: "http://x/", expectStatus: 20 } })), [
  ["health.checks[0].http.expectStatus", /^expected an HTTP status from 100 to 599, got 20$/],
]);
test("a unit name read as an option", rejects, fleet(health({ name: "u", systemdUnit: "--all" })), [["health.checks[0].systemdUnit", /^invalid unit name "--all": /]]);
test("a check timeout longer than health.timeout", rejects, fleet({ health: { checks: [check({ timeout: "3m" })], timeout: "2m" } }), [
  ["health.checks[0].timeout", /^the check's timeout \(3m\) is longer than health\.timeout \(2m\): a round could never finish in time$/],
]);
test("a zero interval between rounds", rejects, fleet({ health: { checks: [check({})], interval: 0 } }), [["health.interval", /^the interval between two rounds of checks must be at least 1s$/]]);
test("a zero check timeout", rejects, fleet(health(check({ timeout: 0 }))), [["health.checks[0].timeout", /^a check's timeout must be at least 1s$/]]);
test("an unknown onFailure", rejects, fleet({ health: { checks: [check({})], onFailure: "rolback" } }), [
  ["health.onFailure", /^invalid value "rolback": expected one of "rollback", "report" \(did you mean "rollback"\?\)$/],
]);

// Prebuilt
test("prebuilt without substituters", rejects, fleet({ prebuilt: { ...PREBUILT, substituters: [] } }), [["prebuilt.substituters", /^prebuilt needs at least one substituter$/]]);
test("prebuilt without trusted keys", rejects, fleet({ prebuilt: { ...PREBUILT, trustedPublicKeys: [] } }), [["prebuilt.trustedPublicKeys", /^prebuilt needs at least one trusted public key/]]);
test("a substituter that is not a store URI", rejects, fleet({ prebuilt: { ...PREBUILT, substituters: ["cache.example.org"] } }), [
  ["prebuilt.substituters[0]", /^invalid substituter "cache\.example\.org": expected a Nix store URI: https:\/\/…/],
]);
test("a substituter with a password", rejects, fleet({ prebuilt: { ...PREBUILT, substituters: ["https://me:pw@cache.example.org"] } }), [
  ["prebuilt.substituters[0]", /embeds a password, .*use a netrc file/],
]);
test("a public key without its name", rejects, fleet({ prebuilt: { ...PREBUILT, trustedPublicKeys: ["6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="] } }), [
  ["prebuilt.trustedPublicKeys[0]", /^invalid public key .*: expected name:base64/],
]);
test("a secret key given as a public key, without echoing it", rejects, fleet({ prebuilt: { ...PREBUILT, trustedPublicKeys: [SECRET_KEY] } }), [
  ["prebuilt.trustedPublicKeys[0]", /^invalid public key "cache\.example\.org-1:…": this is a secret key \(64 bytes\)/],
]);
test("a notes ref outside refs/notes/", rejects, fleet({ prebuilt: { ...PREBUILT, notesRef: "refs/heads/comin" } }), [
  ["prebuilt.notesRef", /^invalid notes ref "refs\/heads\/comin": expected a ref under "refs\/notes\/"$/],
]);
test("an invalid notes ref name", rejects, fleet({ prebuilt: { ...PREBUILT, notesRef: "refs/notes/a..b" } }), [["prebuilt.notesRef", /^invalid notes ref "refs\/notes\/a\.\.b": contains "\.\."$/]]);
test("an unknown missing mode", rejects, fleet({ prebuilt: { ...PREBUILT, missing: "build" } }), [["prebuilt.missing", /^invalid value "build": expected one of "wait", "evaluate"/]]);

// Reboot coordination
const coordination = (value: unknown) => fleet({ reboot: { policy: "when-needed", coordination: value } });
test("coordination without a backend", rejects, coordination({ group: "web" }), [["reboot.coordination", /^set etcd or fleetLock: where the reboot lock lives/]]);
test("coordination with both backends", rejects, coordination({ etcd: ETCD, fleetLock: { url: "http://airlock:3333" } }), [
  ["reboot.coordination", /^set either etcd or fleetLock, not both/],
]);
test("slots with fleetLock", rejects, coordination({ fleetLock: { url: "http://airlock:3333" }, slots: 2 }), [
  ["reboot.coordination.slots", /^slots \(2\) is for etcd only: a FleetLock server owns its slot count, so set it on the server$/],
]);
test("zero slots", rejects, coordination({ etcd: ETCD, slots: 0 }), [["reboot.coordination.slots", /^expected a whole number from 1 to 1000, got 0$/]]);
test("a group that is not a safe key segment", rejects, coordination({ etcd: ETCD, group: "a/b" }), [["reboot.coordination.group", /^invalid group name "a\/b": /]]);
test("etcd without endpoints", rejects, coordination({ etcd: { endpoints: [] } }), [["reboot.coordination.etcd.endpoints", /^etcd needs at least one endpoint$/]]);
test("an etcd endpoint that is not http(s)", rejects, coordination({ etcd: { endpoints: ["10.0.0.5:2379"] } }), [
  ["reboot.coordination.etcd.endpoints[0]", /^invalid URL "10\.0\.0\.5:2379": /],
]);
test("a certFile without keyFile", rejects, coordination({ etcd: { ...ETCD, certFile: "/etc/comin/client.pem" } }), [
  ["reboot.coordination.etcd.keyFile", /^certFile and keyFile go together \(TLS client authentication\): set both or neither$/],
]);
test("TLS files with an http:// endpoint", rejects, coordination({ etcd: { endpoints: ["http://10.0.0.5:2379"], caFile: "/etc/ca.pem" } }), [
  ["reboot.coordination.etcd.endpoints", /^caFile applies to https:\/\/ endpoints only, and http:\/\/10\.0\.0\.5:2379 is http:\/\/$/],
]);
test("a relative keyFile", rejects, coordination({ etcd: { ...ETCD, certFile: "/c.pem", keyFile: "key.pem" } }), [
  ["reboot.coordination.etcd.keyFile", /^expected an absolute path, got "key\.pem"$/],
]);
test("an etcd prefix with a trailing slash", rejects, coordination({ etcd: { ...ETCD, prefix: "/comin/" } }), [["reboot.coordination.etcd.prefix", /^invalid key prefix "\/comin\/": /]]);
test("a FleetLock URL with a query", rejects, coordination({ fleetLock: { url: "http://airlock:3333/?x=1" } }), [
  ["reboot.coordination.fleetLock.url", /a base URL cannot have a query or a fragment/],
]);
test("a misspelt coordination key", rejects, coordination({ etcd: ETCD, slot: 2 }), [["reboot.coordination.slot", /^unknown key "slot" \(did you mean "slots"\?\)$/]]);

test("healthCheckKind gives each resolved check's kind as a discriminated union", (t) => {
  const checks = [
    { name: "web", http: { url: "http://127.0.0.1/healthz" } },
    { name: "nginx", systemdUnit: "nginx.service" },
    { name: "units", noFailedUnits: true },
    { name: "app", command: ["/bin/app-check", "--quick"] },
  ];

  const kinds = host(fleet({ health: { checks } })).health?.checks.map(healthCheckKind);

  t.deepEqual(kinds, [
    { kind: "http", url: "http://127.0.0.1/healthz", expectStatus: 200 },
    { kind: "systemdUnit", unit: "nginx.service" },
    { kind: "noFailedUnits" },
    { kind: "command", argv: ["/bin/app-check", "--quick"] },
  ]);
});
