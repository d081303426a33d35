import test from "ava";
import { parseDuration } from "../../dsl/duration.js";
import { resolveFleet } from "../../dsl/resolve.js";
import { buildJsonSchema, documentedPaths } from "../../generators/json-schema.js";
import { loadUserConfig } from "../../generators/load-config.js";
import { loadSchemaDocs } from "../../generators/schema-docs.js";
import { walkSchema } from "../../generators/walk.js";
import { EXAMPLE_NAMES, exampleConfig, expectedFiles } from "./example-helpers.js";
import { checkJsonSchema } from "./json-schema-check.js";

const tree = walkSchema(loadSchemaDocs());
const schema = buildJsonSchema(tree);
const defs = schema.$defs as Record<string, Record<string, unknown>>;
const resolvedSchema = defs.ResolvedHostConfig ?? {};
const ORIGIN = { name: "origin", url: "https://git.example.org/infra.git" };

for (const name of EXAMPLE_NAMES) {
  test(`the ${name} example's comin.config.ts matches the schema`, async (t) => {
    const config = await loadUserConfig(exampleConfig(name));

    t.deepEqual(checkJsonSchema(schema, config), []);
  });

  test(`the ${name} example's resolved files match ResolvedHostConfig`, (t) => {
    const files = [...expectedFiles(name)].filter(([file]) => file.endsWith(".json"));

    const problems = files.flatMap(([file, text]) => checkJsonSchema(schema, JSON.parse(text), resolvedSchema, file));

    t.true(files.length > 0);
    t.deepEqual(problems, []);
  });
}

test("a fleet object completed by every host is valid for the schema, as for resolveFleet", (t) => {
  const config = { remotes: [ORIGIN], webhook: { port: 5000 }, hosts: { a: { webhook: { secretFile: "/run/a" } } } };

  t.true(resolveFleet(config).ok);
  t.deepEqual(checkJsonSchema(schema, config), []);
});

const invalid: [string, unknown, RegExp][] = [
  ["a misspelt key", { remote: [ORIGIN], hosts: { a: {} } }, /unexpected key "remote"/],
  ["a duration in words", { timeouts: { eval: "5 minutes" }, hosts: { a: {} } }, /\$\.timeouts\.eval: matches none of anyOf/],
  ["no hosts", { remotes: [ORIGIN] }, /missing required "hosts"/],
  ["an invalid host name", { hosts: { web_1: {} } }, /key "web_1"/],
  ["a remote without url", { remotes: [{ name: "origin" }], hosts: { a: {} } }, /remotes\[0\]: missing required "url"/],
  ["an out-of-range port", { hosts: { a: { exporter: { port: 70000 } } } }, /hosts\.a\.exporter: matches none of anyOf/],
  ["a relative path", { stateDir: "var/lib/comin", hosts: { a: {} } }, /stateDir: "var\/lib\/comin" does not match/],
  ["machineId at the fleet level", { machineId: "0123456789abcdef0123456789abcdef", hosts: { a: {} } }, /unexpected key "machineId"/],
  ["an unknown operation", { remotes: [{ ...ORIGIN, branches: { main: { operation: "reboot" } } }], hosts: { a: {} } }, /"reboot" is not one of/],
];
for (const [name, config, expected] of invalid) {
  test(`the schema refuses ${name}`, (t) => {
    const problems = checkJsonSchema(schema, config);

    t.true(problems.some((problem) => expected.test(problem)), problems.join("\n"));
  });
}

test("a resolved file must hold seconds, not duration strings", (t) => {
  const [[, text] = ["", "{}"]] = [...expectedFiles("single")].filter(([file]) => file.endsWith(".json"));
  const resolved = JSON.parse(text) as { timeouts: Record<string, unknown> };
  resolved.timeouts.eval = "30m";

  const problems = checkJsonSchema(schema, resolved, resolvedSchema);

  t.deepEqual(problems, ["$.timeouts.eval: expected integer, got string"]);
});

test("the Duration pattern accepts exactly what parseDuration accepts", (t) => {
  const samples = ["90s", "5m", "2h", "1h30m", "1h0m30s", "0s", "", "5", "1.5h", "30s1m", "5 minutes", "1d", "-5s", "h", "m5"];
  const durationSchema = defs.Duration ?? {};

  const bySchema = samples.map((sample) => checkJsonSchema(schema, sample, durationSchema).length === 0);

  t.deepEqual(bySchema, samples.map((sample) => parseDuration(sample) !== undefined));
});

test("every key of the option tree is in the schema with its description", (t) => {
  const text = JSON.stringify(schema);

  const missing = [...documentedPaths(tree)].filter((path) => !text.includes(`"${path.split(".").at(-1) ?? ""}":{"description"`));

  t.deepEqual(missing, []);
});
