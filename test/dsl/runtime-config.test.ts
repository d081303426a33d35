/** parseRuntimeConfig: the resolved `<host>.json` that `comin run` reads. */
import test from "ava";
import { formatPath } from "../../dsl/issues.js";
import { parseRuntimeConfig } from "../../dsl/resolve.js";
import { ORIGIN } from "./fleet-helpers.js";

const MINIMAL = { schemaVersion: 1, hostname: "web1", remotes: [ORIGIN] };

function problems(input: unknown): string[] {
  const result = parseRuntimeConfig(input);
  return result.ok ? [] : result.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

test("a minimal resolved file is completed with defaults", (t) => {
  const result = parseRuntimeConfig(MINIMAL);

  t.true(result.ok);
  if (result.ok) {
    t.is(result.value.remotes[0]?.branches.testing.name, "testing-web1");
    t.is(result.value.paths.socket, "/var/lib/comin/comin.sock");
  }
});

test("an unsupported schemaVersion keeps the schema's own message", (t) => {
  t.deepEqual(problems({ ...MINIMAL, schemaVersion: 2 }), ["schemaVersion: unsupported schemaVersion 2: this comin reads version 1"]);
});

test("a missing hostname and an unknown key are both reported", (t) => {
  const { hostname: _hostname, ...withoutHostname } = MINIMAL;

  const got = problems({ ...withoutHostname, hosts: {} });

  t.is(got.length, 2);
  t.true(got.some((line) => line.startsWith("hostname: required")), got.join("\n"));
  t.true(got.some((line) => line.startsWith('hosts: unknown key "hosts"')), got.join("\n"));
});

test("a file that is not an object", (t) => {
  t.deepEqual(problems([MINIMAL]), ["(top level): expected a JSON object, got an array"]);
});

test("cross-field rules apply to resolved files too", (t) => {
  t.deepEqual(problems({ ...MINIMAL, repository: { type: "nix" } }), [
    'repository.systemAttr: type "nix" needs systemAttr: the attribute path of the machine\'s system, e.g. "machines.{hostname}"',
  ]);
});
