import test from "ava";
import { z } from "zod";
import { HostOnly, HostSettings } from "../../dsl/schema.js";
import { OPTION_EXAMPLES } from "../../generators/option-examples.js";
import { allNodes, childrenOf, type OptionNode } from "../../generators/option-tree.js";
import { loadSchemaDocs } from "../../generators/schema-docs.js";
import { SchemaWalkError, walkSchema } from "../../generators/walk.js";

const docs = loadSchemaDocs();
const tree = walkSchema(docs);
const nodes = new Map<string, OptionNode>([...allNodes([...tree.settings, ...tree.hostOnly, ...tree.resolvedOnly])].map((node) => [node.path.join("."), node]));

function described(docKey: string): string {
  const description = docs[docKey]?.description;
  if (description === undefined) throw new Error(`no docs for ${docKey}`);
  return description;
}

function node(path: string): OptionNode {
  const found = nodes.get(path);
  if (!found) throw new Error(`no node ${path}`);
  return found;
}

test("the top level is HostSettings, HostOnly and the resolved file's own keys", (t) => {
  t.deepEqual(tree.settings.map((option) => option.key), Object.keys(HostSettings.shape));
  t.deepEqual(tree.hostOnly.map((option) => option.key), Object.keys(HostOnly.shape));
  t.deepEqual(tree.resolvedOnly.map((option) => option.key), ["schemaVersion", "hostname"]);
});

test("durations are found through defaults, nullables and lists", (t) => {
  const durations = [...nodes.values()].filter((option) => option.kind.type === "duration").map((option) => option.path.join("."));

  t.deepEqual(durations.sort(), [
    "confirm.build.after",
    "confirm.deploy.after",
    "health.checks.*.timeout",
    "health.gracePeriod",
    "health.interval",
    "health.timeout",
    "remotes.*.poll.interval",
    "remotes.*.poll.jitter",
    "remotes.*.timeout",
    "retries.backoff",
    "retries.maxBackoff",
    "timeouts.build",
    "timeouts.eval",
    "timeouts.switch",
  ]);
});

test("a duration's default holds seconds and the authoring text", (t) => {
  t.deepEqual(node("remotes.*.timeout").default, { value: 300, text: '"5m"' });
  t.false(node("remotes.*.timeout").required);
});

test("paths, nullables, lists, enums, ports and literals are described", (t) => {
  t.deepEqual(node("stateDir").kind, { type: "path" });
  t.deepEqual(node("postDeploymentCommand").kind, { type: "nullable", inner: { type: "path" } });
  t.deepEqual(node("signatures.gpgPublicKeyFiles").kind, { type: "list", of: { type: "path" } });
  t.deepEqual(node("reboot.policy").kind, { type: "enum", values: ["never", "notify", "when-needed", "always"] });
  t.deepEqual(node("exporter.port").kind, { type: "int", minimum: 1, maximum: 65535, port: true });
  t.deepEqual(node("retries.attempts").kind, { type: "int", minimum: 1, maximum: 100 });
  t.deepEqual(node("schemaVersion").kind, { type: "literal", value: 1 });
  t.deepEqual(node("machineId").kind, {
    type: "nullable",
    inner: { type: "string", pattern: "^[0-9a-f]{32}$", readable: "machine id (32 lowercase hexadecimal characters, as in /etc/machine-id)" },
  });
});

test("required keys are the ones without a default", (t) => {
  const required = [...nodes.values()].filter((option) => option.required).map((option) => option.path.join("."));

  t.deepEqual(required.sort(), [
    "health.checks",
    "health.checks.*.http.url",
    "health.checks.*.name",
    "hostname",
    "prebuilt.substituters",
    "prebuilt.trustedPublicKeys",
    "reboot.coordination.etcd.endpoints",
    "reboot.coordination.fleetLock.url",
    "reboot.windows.*.from",
    "reboot.windows.*.to",
    "remotes",
    "remotes.*.name",
    "remotes.*.url",
    "schemaVersion",
    "webhook.secretFile",
  ]);
});

test("nested objects keep their documentation, and nested defaults are complete", (t) => {
  const exporter = node("exporter");

  t.is(exporter.description, described("HostSettings.exporter"));
  t.deepEqual(exporter.default, { value: { listenAddress: "127.0.0.1", port: 4243 }, text: "{}" });
  t.deepEqual(childrenOf(exporter.kind).map((child) => child.key), ["listenAddress", "port"]);
  t.is(node("remotes.*.branches.main.name").description, described("MainBranch.name"));
  t.is(node("remotes.*.poll.interval").description, described("Remote.poll.interval"));
});

test("a @default that disagrees with the schema stops the walk", (t) => {
  const wrong = { ...docs, "Timeouts.eval": { description: "Evaluation.", default: '"20m"' } };

  const error = t.throws(() => walkSchema(wrong), { instanceOf: SchemaWalkError });

  t.is(error?.message, 'timeouts.eval: @default "20m" does not match the schema\'s default 1800');
});

test("a key missing from the docs stops the walk", (t) => {
  const { ["Retention.any"]: _removed, ...partial } = docs;

  const error = t.throws(() => walkSchema(partial), { instanceOf: SchemaWalkError });

  t.regex(error?.message ?? "", /^retention\.any: no documentation for Retention\.any/);
});

/** The zod schema at a dotted option path (`*` = list element). */
function schemaAt(path: string): z.ZodType | undefined {
  let current: z.ZodType | undefined = z.strictObject({ ...HostSettings.shape, ...HostOnly.shape });
  for (const segment of path.split(".")) {
    for (;;) {
      if (current instanceof z.ZodDefault || current instanceof z.ZodPrefault || current instanceof z.ZodNullable) current = current.unwrap() as z.ZodType;
      else break;
    }
    if (segment === "*" && current instanceof z.ZodArray) current = current.element as z.ZodType;
    else if (current instanceof z.ZodObject) current = (current.shape as Record<string, z.ZodType>)[segment];
    else throw new Error(`cannot follow ${segment} in ${path}`);
  }
  return current;
}

test("every option example is accepted by the schema", (t) => {
  const refused = Object.entries(OPTION_EXAMPLES).filter(([path, example]) => !schemaAt(path)?.safeParse(example).success);

  t.deepEqual(refused.map(([path]) => path), []);
  t.true(Object.keys(OPTION_EXAMPLES).every((path) => nodes.get(path)?.example !== undefined));
});

test("an @example JSDoc tag wins over the examples table", (t) => {
  const withExample = { ...docs, "Retention.any": { description: "Any.", default: "5", example: "20" } };

  const retention = walkSchema(withExample).settings.find((option) => option.key === "retention");

  t.is(childrenOf(retention?.kind ?? { type: "bool" }).find((child) => child.key === "any")?.example, 20);
});
