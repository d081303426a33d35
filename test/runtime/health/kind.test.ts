/**
 * The daemon's copy of the health check kind (runtime/health/kind.ts, kept out of the DSL's zod
 * schema for memory) gives what the DSL's `healthCheckKind` gives, for every kind.
 */
import test from "ava";
import { healthCheckKind } from "../../../dsl/schema.js";
import { checkKind } from "../../../runtime/health/kind.js";
import { fleet, host } from "../../dsl/fleet-helpers.js";

test("checkKind agrees with the DSL's healthCheckKind on every kind of check", (t) => {
  const checks = [
    { name: "web", http: { url: "http://127.0.0.1/healthz", expectStatus: 204 } },
    { name: "nginx", systemdUnit: "nginx.service" },
    { name: "units", noFailedUnits: true },
    { name: "app", command: ["/bin/app-check", "--quick"] },
  ];
  const resolved = host(fleet({ health: { checks } })).health?.checks ?? [];

  const kinds = resolved.map(checkKind);

  t.is(kinds.length, 4);
  t.deepEqual(kinds, resolved.map(healthCheckKind));
  t.deepEqual(kinds.map((kind) => kind.kind), ["http", "systemdUnit", "noFailedUnits", "command"]);
});
