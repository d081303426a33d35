import test from "ava";
import http from "node:http";
import { SECRET, rawRequest, sign, startWebhookHarness } from "../../helpers/webhook.js";

/** A request head announcing a body that is never sent: only a refusal made on the head can answer it. */
function headOnly(lines: string[]): string {
  return `${["Host: 127.0.0.1", "Content-Length: 100", ...lines].reduce((head, line) => `${head}${line}\r\n`, "")}\r\n`;
}

const JSON_TYPE = "Content-Type: application/json";
const GITHUB = `X-Hub-Signature-256: sha256=${"a".repeat(64)}`;

test("what the head of a request reveals is refused before its body arrives", async (t) => {
  const h = await startWebhookHarness(t, { limits: { requestTimeoutMs: 60_000, headersTimeoutMs: 60_000 } });
  const cases: [string, string, number][] = [
    ["a wrong path", `POST /admin HTTP/1.1\r\n${headOnly([JSON_TYPE, GITHUB])}`, 404],
    ["a wrong method", `PUT / HTTP/1.1\r\n${headOnly([JSON_TYPE, GITHUB])}`, 405],
    ["a wrong content type", `POST / HTTP/1.1\r\n${headOnly(["Content-Type: text/plain", GITHUB])}`, 415],
    ["no content type", `POST / HTTP/1.1\r\n${headOnly([GITHUB])}`, 415],
    ["no signature header", `POST / HTTP/1.1\r\n${headOnly([JSON_TYPE, "X-GitHub-Event: push"])}`, 401],
    ["a repeated signature header", `POST / HTTP/1.1\r\n${headOnly([JSON_TYPE, GITHUB, GITHUB])}`, 400],
    ["a wrong GitLab token", `POST /webhook HTTP/1.1\r\n${headOnly([JSON_TYPE, "X-Gitlab-Token: guess"])}`, 401],
    ["a GitLab token differing in its last character", `POST / HTTP/1.1\r\n${headOnly([JSON_TYPE, `X-Gitlab-Token: ${SECRET.slice(0, -1)}X`])}`, 401],
    ["a declared length over the limit", `POST / HTTP/1.1\r\nHost: x\r\n${JSON_TYPE}\r\n${GITHUB}\r\nContent-Length: 4097\r\n\r\n`, 413],
  ];

  for (const [what, request, status] of cases) {
    const reply = await rawRequest(h.port, request);
    t.is(reply.status, status, what);
    t.regex(reply.text, /\r\nconnection: close\r\n/i, `${what}: the connection is closed after the reply`);
  }
  t.deepEqual(h.controller.callsOf("fetch"), []);
});

test("a request expecting 100-continue is refused without being invited to send its body", async (t) => {
  const h = await startWebhookHarness(t);
  const body = JSON.stringify({ repository: { clone_url: "https://git.example.org/acme/infra.git" } });
  const send = (token: string) =>
    new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = http.request(h.url, { method: "POST", agent: false, headers: { expect: "100-continue", "content-type": "application/json", "content-length": Buffer.byteLength(body), "x-gitlab-event": "Push Hook", "x-gitlab-token": token } });
      req.on("continue", () => {
        continued = true;
        req.end(body);
      });
      req.on("response", (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, continued });
      });
      req.on("error", reject);
      req.flushHeaders();
    });

  const refused = await send("guess");
  const accepted = await send(SECRET);

  t.deepEqual(refused, { status: 401, continued: false });
  t.deepEqual(accepted, { status: 202, continued: true });
  t.is(h.controller.callsOf("fetch").length, 1);
});

test("smuggling attempts (Content-Length with Transfer-Encoding, two lengths) are refused by the parser", async (t) => {
  const h = await startWebhookHarness(t);
  const body = JSON.stringify({ repository: { clone_url: "https://git.example.org/acme/infra.git" } });
  const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
  const head = ["POST / HTTP/1.1", "Host: x", JSON_TYPE, "X-GitHub-Event: push", `X-Hub-Signature-256: ${sign(body)}`];
  const requests = [
    `${[...head, "Transfer-Encoding: chunked", `Content-Length: ${chunked.length}`].join("\r\n")}\r\n\r\n${chunked}`,
    `${[...head, `Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`].join("\r\n")}\r\n\r\n${body} `,
    `${[...head, "Transfer-Encoding: chunked, identity"].join("\r\n")}\r\n\r\n${chunked}`,
  ];

  const replies = await Promise.all(requests.map((request) => rawRequest(h.port, request)));

  t.deepEqual(replies.map((reply) => reply.status), [400, 400, 400]);
  t.deepEqual(h.controller.callsOf("fetch"), []);
});

test("a head with a huge number of headers gets 431 and the connection is closed", async (t) => {
  const h = await startWebhookHarness(t);
  const padding = Array.from({ length: 1000 }, (_, index) => `X-Pad-${index}: a\r\n`).join("");

  const reply = await rawRequest(h.port, `POST / HTTP/1.1\r\nHost: x\r\n${JSON_TYPE}\r\n${GITHUB}\r\n${padding}Content-Length: 2\r\n\r\n{}`);

  t.is(reply.status, 431);
  t.deepEqual(h.controller.callsOf("fetch"), []);
});
