/**
 * The reboot lock in etcd v3 (behaviour.md §16), through etcd's own JSON gateway (`/v3/kv/range`,
 * `/v3/kv/txn`) rather than a gRPC client: a few HTTP requests, no dependency, ~3 MiB of memory.
 * One key `<prefix>/<group>` holds `{ "slots": N, "holders": [ids] }` and changes only by
 * compare-and-swap on its mod revision, so two machines can never both take the last slot.
 */
import type { RebootCoordinationConfig } from "../../../dsl/schema.js";
import { errorMessage } from "../../errors.js";
import type { RebootLock, RebootLockView } from "../../ports.js";
import { displayUrl, postJson, RebootLockError, type TlsFiles } from "./http.js";

type EtcdConfig = NonNullable<NonNullable<RebootCoordinationConfig>["etcd"]>;

/** Compare-and-swap rounds before giving up on a key that keeps changing under us. */
const MAX_CAS_ROUNDS = 20;

interface LockValue {
  slots: number;
  holders: string[];
}

interface Read {
  value: LockValue | null;
  /** "0" when the key does not exist (etcd compares a missing key's revision as 0). */
  modRevision: string;
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const unb64 = (text: string) => Buffer.from(text, "base64").toString("utf8");

export function parseLockValue(key: string, text: string): LockValue {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RebootLockError(`the value of etcd key ${key} is not JSON (${JSON.stringify(text.slice(0, 80))}): expected {"slots": N, "holders": [ids]}`);
  }
  const record = value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
  const { slots, holders } = record;
  if (typeof slots !== "number" || !Array.isArray(holders) || !holders.every((h) => typeof h === "string")) {
    throw new RebootLockError(`the value of etcd key ${key} is not {"slots": N, "holders": [ids]}: ${text.slice(0, 200)}`);
  }
  return { slots, holders: holders as string[] };
}

export class EtcdRebootLock implements RebootLock {
  readonly backend = "etcd";
  readonly key: string;
  private readonly endpoints: URL[];
  private readonly tls: TlsFiles;
  /** The endpoint that answered last is asked first. */
  private preferred = 0;

  constructor(
    config: EtcdConfig,
    readonly group: string,
    private readonly slots: number,
  ) {
    this.key = `${config.prefix}/${group}`;
    this.endpoints = config.endpoints.map((endpoint) => new URL(endpoint.endsWith("/") ? endpoint : `${endpoint}/`));
    this.tls = { caFile: config.caFile, certFile: config.certFile, keyFile: config.keyFile };
  }

  async acquire(id: string): Promise<{ granted: boolean; view: RebootLockView; refusal: string | null }> {
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const read = await this.read();
      const holders = read.value?.holders ?? [];
      if (holders.includes(id)) return { granted: true, view: this.view(holders), refusal: null };
      if (holders.length >= this.slots) {
        return { granted: false, view: this.view(holders), refusal: `group ${this.group}: ${holders.length}/${this.slots} held by ${holders.join(", ")}` };
      }
      const next = [...holders, id];
      if (await this.swap(read.modRevision, next)) return { granted: true, view: this.view(next), refusal: null };
    }
    throw new RebootLockError(`etcd key ${this.key} kept changing during ${MAX_CAS_ROUNDS} compare-and-swap rounds`);
  }

  async release(id: string): Promise<{ released: boolean; view: RebootLockView }> {
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const read = await this.read();
      const holders = read.value?.holders ?? [];
      if (!holders.includes(id)) return { released: false, view: this.view(holders) };
      const next = holders.filter((holder) => holder !== id);
      if (await this.swap(read.modRevision, next)) return { released: true, view: this.view(next) };
    }
    throw new RebootLockError(`etcd key ${this.key} kept changing during ${MAX_CAS_ROUNDS} compare-and-swap rounds`);
  }

  async inspect(): Promise<RebootLockView> {
    const read = await this.read();
    return this.view(read.value?.holders ?? []);
  }

  private view(holders: string[]): RebootLockView {
    return { group: this.group, slots: this.slots, holders };
  }

  private async read(): Promise<Read> {
    const reply = (await this.call("v3/kv/range", { key: b64(this.key) })) as { kvs?: { value?: string; mod_revision?: string }[] };
    const kv = reply.kvs?.[0];
    if (!kv) return { value: null, modRevision: "0" };
    return { value: parseLockValue(this.key, unb64(kv.value ?? "")), modRevision: String(kv.mod_revision ?? "0") };
  }

  /** Writes the holders if the key is still at `modRevision`; false when someone was faster. */
  private async swap(modRevision: string, holders: string[]): Promise<boolean> {
    const value = JSON.stringify({ slots: this.slots, holders } satisfies LockValue);
    const reply = (await this.call("v3/kv/txn", {
      compare: [{ target: "MOD", result: "EQUAL", key: b64(this.key), mod_revision: modRevision }],
      success: [{ request_put: { key: b64(this.key), value: b64(value) } }],
      failure: [],
    })) as { succeeded?: boolean };
    // proto3 JSON leaves false out.
    return reply.succeeded === true;
  }

  /** One request, to each endpoint in turn until one answers. */
  private async call(route: string, body: unknown): Promise<unknown> {
    const failures: string[] = [];
    for (let i = 0; i < this.endpoints.length; i++) {
      const index = (this.preferred + i) % this.endpoints.length;
      const url = new URL(route, this.endpoints[index]);
      try {
        const reply = await postJson(url, body, { tls: this.tls });
        if (reply.status === 200 && reply.body !== null && typeof reply.body === "object") {
          this.preferred = index;
          return reply.body;
        }
        const message = (reply.body as { message?: unknown; error?: unknown } | null)?.message ?? (reply.body as { error?: unknown } | null)?.error ?? reply.text.slice(0, 200);
        failures.push(`${displayUrl(url)}: HTTP ${reply.status} ${String(message)}`.trim());
      } catch (error) {
        failures.push(errorMessage(error));
      }
    }
    throw new RebootLockError(`etcd: ${failures.join("; ")}`);
  }
}
