/**
 * Every problem at once: a cross-field rule runs whenever the keys it reads are valid, whatever
 * else is wrong with the configuration, and it reads nothing else.
 */
import test from "ava";
import { completeHostConfig } from "../../dsl/resolve.js";
import { inputSchema } from "../../dsl/rule-inputs.js";
import { RULES } from "../../dsl/rules.js";
import { RuntimeConfig, SCHEMA_VERSION } from "../../dsl/schema.js";
import { ORIGIN } from "./fleet-helpers.js";
import { rejects } from "./reject-helpers.js";

const A = { name: "a", url: "https://git.example.org/a.git" };
const A_AGAIN = { name: "a", url: "/srv/git/a.git" };
const PARIS_TYPO = { from: "02:00", to: "04:00", timeZone: "Europe/Pars" };

test("a typo, a bad time zone and two remotes named a: the three problems at once", rejects,
  { remotes: [A, A_AGAIN], retries: { attemps: 5 }, reboot: { windows: [PARIS_TYPO] }, hosts: { web1: {} } },
  [
    ["retries.attemps", /^unknown key "attemps" \(did you mean "attempts"\?\)$/],
    ["reboot.windows[0].timeZone", /^unknown time zone "Europe\/Pars" \(did you mean "Europe\/Paris"\?\)/],
    ["remotes[1].name", /^duplicate remote name "a" \(also remotes\[0\]\): names must be unique$/],
  ],
);

test("a typo inside the second remote does not hide that both are named a", rejects,
  { remotes: [A, { ...A_AGAIN, pol: { interval: "1m" } }], hosts: { web1: {} } },
  [
    ["remotes[1].pol", /^unknown key "pol" \(did you mean "poll"\?\)$/],
    ["remotes[1].name", /^duplicate remote name "a"/],
  ],
);

test("a rule whose inputs are invalid does not run: no jitter complaint about an unreadable interval", rejects,
  { remotes: [{ ...ORIGIN, poll: { interval: "soon", jitter: "90s" } }], hosts: { web1: {} } },
  [["remotes[0].poll.interval", /^invalid duration "soon"/]],
);

test("rules of health and coordination run beside shape errors elsewhere", rejects,
  {
    remotes: [ORIGIN],
    timeouts: { eval: "later" },
    health: { checks: [{ name: "c", noFailedUnits: true }, { name: "c", command: ["check"] }] },
    reboot: { coordination: { fleetLock: { url: "http://airlock:3333" }, slots: 2 } },
    hosts: { web1: {} },
  },
  [
    ["timeouts.eval", /^invalid duration "later"/],
    ["health.checks[1].command[0]", /^the program must be an absolute path/],
    ["health.checks[1].name", /^duplicate check name "c"/],
    ["reboot.coordination.slots", /^slots \(2\) is for etcd only/],
  ],
);

/** Valid configurations (for the schema) that make each rule speak, and some that do not. */
const SAMPLES: Record<string, unknown>[] = [
  { remotes: [A, A_AGAIN] },
  { remotes: [{ name: "o", url: "ftp://x" }, { name: "p", url: "https://me:pw@x/y" }] },
  { remotes: [{ name: "o", url: "http://x/y", auth: { tokenFile: "/t" } }, { name: "p", url: "http://x/y", auth: { tokenFile: "/t" }, allowInsecureHttp: true }] },
  { remotes: [{ name: "o", url: "git@x:y", auth: { tokenFile: "/t", sshKeyFile: "/k" } }, { name: "p", url: "/srv/y", auth: { knownHostsFile: "/k" } }] },
  { remotes: [{ ...ORIGIN, branches: { main: { name: "{hostname}" }, testing: { name: "web1" } } }] },
  { remotes: [ORIGIN], repository: { type: "nix" } },
  { remotes: [{ ...ORIGIN, timeout: 0, poll: { interval: "1m", jitter: "2m" } }], timeouts: { eval: 0 }, retries: { backoff: "2h" } },
  { remotes: [ORIGIN], confirm: { build: { mode: "auto", after: 0 } } },
  { remotes: [ORIGIN], reboot: { windows: [{ from: "01:00", to: "01:00" }, { days: ["mon", "mon"], from: "00:30", to: "02:00" }] } },
  { remotes: [ORIGIN], exporter: { port: 4244 }, webhook: { secretFile: "/s" } },
  { remotes: [ORIGIN], health: { checks: [{ name: "c" }, { name: "c", noFailedUnits: true, systemdUnit: "x.service", timeout: "5m" }], interval: 0 } },
  { remotes: [ORIGIN], reboot: { coordination: { fleetLock: { url: "http://a" }, etcd: { endpoints: ["http://e"], certFile: "/c" }, slots: 3 } } },
  { remotes: [ORIGIN], reboot: { coordination: { etcd: { endpoints: ["http://e"], caFile: "/c" } } } },
];

test("each rule reads only the inputs it declares: on their projection it says what it says on the whole configuration", (t) => {
  for (const [index, sample] of SAMPLES.entries()) {
    const input = { ...sample, schemaVersion: SCHEMA_VERSION, hostname: "web1" };
    const full = RuntimeConfig.safeParse(input);
    if (!full.success) throw new Error(`sample ${index} should pass the schema: ${full.error.message}`);
    const config = completeHostConfig(full.data);
    for (const [ruleIndex, rule] of RULES.entries()) {
      const projected = inputSchema(RuntimeConfig, rule.inputs).parse(input);

      t.deepEqual(rule.check(projected as typeof config), rule.check(config), `rule ${ruleIndex} (${rule.inputs.join(", ")}) on sample ${index}`);
    }
  }
  const spoken = RULES.filter((rule) => SAMPLES.some((sample) => rule.check(completeHostConfig(RuntimeConfig.parse({ ...sample, schemaVersion: 1, hostname: "web1" }))).length > 0));
  t.is(spoken.length, RULES.length, "every rule finds a problem in some sample");
});
