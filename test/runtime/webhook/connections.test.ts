/**
 * Who gives way at the webhook connection cap (connections.ts), on stand-in sockets and a clock
 * the test moves: the order of the reasons, the newcomers' grace and allowance, whole requests kept.
 */
import test from "ava";
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { ConnectionGuard, type ConnectionPolicy } from "../../../runtime/webhook/connections.js";

class FakeSocket extends EventEmitter {
  destroyed = false;
  constructor(readonly name: string) {
    super();
  }
  destroy(): void {
    this.destroyed = true;
    this.emit("close");
  }
}

const settle = () => new Promise((resolve) => setImmediate(() => setImmediate(() => setImmediate(resolve))));

function guard(policy: Partial<ConnectionPolicy> = {}) {
  let clock = 1_000_000;
  const closed: string[] = [];
  const connections = new ConnectionGuard({ maxConnections: 3, newcomerGraceMs: 250, maxNewcomers: 2, ...policy }, () => {}, () => {}, () => clock);
  const open = (name: string) => {
    const socket = new FakeSocket(name);
    socket.once("close", () => closed.push(name));
    connections.add(socket as unknown as Socket);
    return socket as unknown as Socket;
  };
  return { connections, open, closed, tick: (ms: number) => (clock += ms) };
}

test("over the cap: a reply already sent goes first, then a connection idle past its grace, then the body arriving longest", async (t) => {
  const g = guard();
  const slow = g.open("slow");
  g.open("idle");
  const done = g.open("done");
  g.connections.set(slow, "reading");
  g.tick(300);
  g.connections.set(done, "answered");
  g.open("new1");
  await settle();
  g.open("new2");
  await settle();
  g.open("new3");
  await settle();

  t.deepEqual(g.closed, ["done", "idle", "slow"]);
  t.deepEqual(g.connections.evictions, { answered: 1, idle: 1, slowBody: 1, newcomer: 0 });
});

test("newcomers in their grace are let in beyond the cap up to their allowance, then the oldest of them goes; whole requests never", async (t) => {
  const g = guard();
  const handling = ["h1", "h2", "h3"].map((name) => g.open(name));
  for (const socket of handling) g.connections.set(socket, "handling");
  g.open("n1");
  g.open("n2");
  await settle();
  t.deepEqual(g.closed, [], "two newcomers fit in the allowance");
  g.open("n3");
  await settle();
  t.deepEqual(g.closed, ["n1"]);

  // Once their grace is over, the newcomers still waiting are idle connections: they go.
  g.tick(300);
  g.open("n4");
  await settle();
  t.deepEqual(g.closed, ["n1", "n2", "n3"]);
  t.is(g.connections.size, 4);
});
