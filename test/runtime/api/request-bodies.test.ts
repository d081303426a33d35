/**
 * The local API's request bodies (interfaces.md §4): each refusal is a 400 saying
 * "invalid request: <path>: <message>", and nothing reaches the controller.
 */
import test, { type ExecutionContext } from "ava";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { startApiServer } from "../../../runtime/api/server.js";
import { silentLogger } from "../../../runtime/log.js";
import { FakeController } from "../../helpers/fake-controller.js";

async function start(t: ExecutionContext): Promise<{ controller: FakeController; socketPath: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "comin-api-bodies-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const socketPath = path.join(dir, "comin.sock");
  const controller = new FakeController();
  const server = await startApiServer({ socketPath, controller, log: silentLogger });
  t.teardown(() => server.close());
  return { controller, socketPath };
}

function post(socketPath: string, urlPath: string, body: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method: "POST", path: urlPath, headers: { "content-type": "application/json" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString("utf8")) }));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

const REFUSED: [string, unknown, string][] = [
  ["/v1/fetch", { wait: "yes" }, "wait: Invalid input: expected boolean, received string"],
  ["/v1/fetch", { remotes: [] }, "remotes: Too small: expected array to have >=1 items"],
  ["/v1/fetch", { remotes: ["origin", 7] }, "remotes.1: Invalid input: expected string, received number"],
  ["/v1/fetch", { remote: ["origin"] }, 'body: Unrecognized key: "remote"'],
  ["/v1/suspend", { now: true }, 'body: Unrecognized key: "now"'],
  ["/v1/resume", { a: 1, b: 2 }, 'body: Unrecognized keys: "a", "b"'],
  ["/v1/confirmations/accept", { yes: true }, 'body: Unrecognized key: "yes"'],
  ["/v1/deployments/submit-latest", { operation: "dry-activate" }, 'operation: Invalid option: expected one of "switch"|"test"|"boot"'],
  ["/v1/rollback", { quarantine: "no" }, "quarantine: Invalid input: expected boolean, received string"],
  ["/v1/quarantine/clear", {}, 'body: expected {"commit": "<commit id, 4 to 64 hexadecimal characters>"} or {"all": true}'],
  ["/v1/quarantine/clear", { commit: "main; rm -rf /" }, 'body: expected {"commit": "<commit id, 4 to 64 hexadecimal characters>"} or {"all": true}'],
  ["/v1/quarantine/clear", { all: false }, 'body: expected {"commit": "<commit id, 4 to 64 hexadecimal characters>"} or {"all": true}'],
  ["/v1/reboot-lock/release", { id: "" }, "id: Too small: expected string to have >=1 characters"],
  ["/v1/reboot-lock/release", { id: "x".repeat(257) }, "id: Too big: expected string to have <=256 characters"],
];

for (const [route, body, problem] of REFUSED) {
  test(`POST ${route} ${JSON.stringify(body).slice(0, 40)} is a 400: invalid request: ${problem}`, async (t) => {
    const { controller, socketPath } = await start(t);

    const reply = await post(socketPath, route, body);

    t.deepEqual(reply, { status: 400, json: { error: `invalid request: ${problem}` } });
    t.deepEqual(controller.calls, []);
  });
}

test("accepted bodies reach the controller with their defaults", async (t) => {
  const { controller, socketPath } = await start(t);

  const replies = await Promise.all([post(socketPath, "/v1/rollback", {}), post(socketPath, "/v1/rollback", { quarantine: false }), post(socketPath, "/v1/deployments/submit-latest", { operation: "boot" })]);

  t.deepEqual(replies.map((reply) => reply.status), [200, 200, 200]);
  t.deepEqual(controller.callsOf("rollback"), [[{ quarantine: true }], [{ quarantine: false }]]);
  t.deepEqual(controller.callsOf("submitLatest"), [["boot"]]);
});
