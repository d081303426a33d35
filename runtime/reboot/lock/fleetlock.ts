/**
 * The reboot lock from a FleetLock server (behaviour.md §16; the protocol of Fedora CoreOS's Zincati,
 * served by airlock on etcd): `POST <url>/v1/pre-reboot` takes a slot, `POST <url>/v1/steady-state`
 * gives it back, both with the header `fleet-lock-protocol: true` and the body
 * `{"client_params":{"id","group"}}`; 200 means done. The server owns the slot count and the list
 * of holders (the protocol has no way to read them).
 */
import type { RebootLock, RebootLockView } from "../../ports.js";
import { displayUrl, postJson, RebootLockError, type JsonReply } from "./http.js";

/** A refusal's words: the protocol's `{kind, value}` error body, else the raw text. */
function why(reply: JsonReply): string {
  const body = reply.body as { kind?: unknown; value?: unknown } | null;
  if (body && typeof body === "object" && (typeof body.kind === "string" || typeof body.value === "string")) {
    return [body.kind, body.value].filter((part) => typeof part === "string" && part).join(": ");
  }
  return reply.text.trim().slice(0, 200) || `HTTP ${reply.status}`;
}

export class FleetLockRebootLock implements RebootLock {
  readonly backend = "fleetLock";
  private readonly base: URL;

  constructor(
    url: string,
    readonly group: string,
  ) {
    this.base = new URL(url.endsWith("/") ? url : `${url}/`);
  }

  async acquire(id: string): Promise<{ granted: boolean; view: RebootLockView; refusal: string | null }> {
    const reply = await this.post("v1/pre-reboot", id);
    if (reply.status === 200) return { granted: true, view: this.view(), refusal: null };
    // 5xx: the server is broken rather than saying no; fail closed all the same, as an error.
    if (reply.status >= 500) throw new RebootLockError(`FleetLock ${displayUrl(new URL("v1/pre-reboot", this.base))}: HTTP ${reply.status} ${why(reply)}`);
    return { granted: false, view: this.view(), refusal: `group ${this.group}: the FleetLock server refused (HTTP ${reply.status} ${why(reply)})` };
  }

  async release(id: string): Promise<{ released: boolean; view: RebootLockView }> {
    const reply = await this.post("v1/steady-state", id);
    if (reply.status !== 200) throw new RebootLockError(`FleetLock ${displayUrl(new URL("v1/steady-state", this.base))}: HTTP ${reply.status} ${why(reply)}`);
    return { released: true, view: this.view() };
  }

  async inspect(): Promise<RebootLockView> {
    return this.view();
  }

  private view(): RebootLockView {
    return { group: this.group, slots: null, holders: null };
  }

  private post(route: string, id: string): Promise<JsonReply> {
    return postJson(new URL(route, this.base), { client_params: { id, group: this.group } }, { headers: { "fleet-lock-protocol": "true" } });
  }
}
