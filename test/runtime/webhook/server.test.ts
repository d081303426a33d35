import test from "ava";
import { createHmac } from "node:crypto";
import { writeFile } from "node:fs/promises";
import http from "node:http";
import type { FetchOutcome } from "../../../runtime/types.js";
import { deferred, waitFor } from "../../helpers/fake-controller.js";
import { SECRET, sign, startWebhookHarness as startHarness } from "../../helpers/webhook.js";

const githubPush = JSON.stringify({
  ref: "refs/heads/main",
  after: "0000000000000000000000000000000000000000",
  repository: { full_name: "acme/infra", clone_url: "https://git.example.org/acme/infra.git", ssh_url: "git@git.example.org:acme/infra.git" },
});

async function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

test("a signed GitHub push triggers a fetch of the matching remote only, without waiting", async (t) => {
  const h = await startHarness(t);
  const hold = deferred<FetchOutcome[]>();
  h.controller.fetchBehaviour = () => hold.promise;

  const reply = await post(h.url, githubPush, { "x-github-event": "push", "x-hub-signature-256": sign(githubPush) });

  t.is(reply.status, 202);
  t.deepEqual(reply.json["remotes"], ["origin"]);
  t.deepEqual(h.controller.callsOf("fetch"), [[["origin"]]]);
  hold.resolve([]);
});

test("a push about a repository no remote names fetches nothing and says so (202, matched: false)", async (t) => {
  const h = await startHarness(t);
  const other = JSON.stringify({ repository: { full_name: "acme/website", clone_url: "https://github.com/acme/website.git" } });
  const anonymous = "{}";

  const replies = [
    await post(h.url, other, { "x-github-event": "push", "x-hub-signature-256": sign(other) }),
    await post(h.url, anonymous, { "x-comin-signature-256": sign(anonymous) }),
  ];

  t.deepEqual(replies.map((reply) => reply.status), [202, 202]);
  t.deepEqual(replies[0]!.json, { matched: false, remotes: [], fetch: "none" });
  t.deepEqual(replies[1]!.json, { matched: false, remotes: [], fetch: "none" });
  t.deepEqual(h.controller.callsOf("fetch"), []);
});

test("GitLab, Gitea, Forgejo and generic requests are accepted with their own headers", async (t) => {
  const h = await startHarness(t);
  const gitlab = JSON.stringify({ project: { git_http_url: "https://git.example.org/acme/infra.git" } });
  const bare = createHmac("sha256", SECRET).update(githubPush).digest("hex");

  const replies = [
    await post(h.url, gitlab, { "x-gitlab-event": "Push Hook", "x-gitlab-token": SECRET }),
    await post(h.url, githubPush, { "x-gitea-event": "push", "x-gitea-signature": bare }),
    await post(h.url, githubPush, { "x-forgejo-event": "push", "x-forgejo-signature": bare }),
    await post(h.url, githubPush, { "x-comin-signature-256": sign(githubPush) }),
  ];

  t.deepEqual(replies.map((r) => r.status), [202, 202, 202, 202]);
  t.deepEqual(replies.map((r) => r.json["remotes"]), [["origin"], ["origin"], ["origin"], ["origin"]]);
});

test("a bad or missing signature gets 401 and triggers nothing", async (t) => {
  const h = await startHarness(t);

  const forged = await post(h.url, githubPush.replace("main", "evil"), { "x-github-event": "push", "x-hub-signature-256": sign(githubPush) });
  const wrongKey = await post(h.url, githubPush, { "x-github-event": "push", "x-hub-signature-256": sign(githubPush, "guess") });
  const missing = await post(h.url, githubPush, { "x-github-event": "push" });
  const wrongToken = await post(h.url, githubPush, { "x-gitlab-event": "Push Hook", "x-gitlab-token": "guess" });

  t.deepEqual([forged.status, wrongKey.status, missing.status, wrongToken.status], [401, 401, 401, 401]);
  t.is(typeof forged.json["error"], "string");
  t.deepEqual(h.controller.callsOf("fetch"), []);
});

test("the secret is never written to the log nor sent back", async (t) => {
  const h = await startHarness(t);

  const replies = [
    await post(h.url, githubPush, { "x-gitlab-event": "Push Hook", "x-gitlab-token": SECRET }),
    await post(h.url, githubPush, { "x-gitlab-event": "Push Hook", "x-gitlab-token": `${SECRET}x` }),
    await post(h.url, githubPush, { "x-gitlab-event": "Tag Push Hook", "x-gitlab-token": SECRET }),
    await post(h.url, "{", { "x-gitlab-event": "Push Hook", "x-gitlab-token": SECRET }),
  ];

  t.deepEqual(replies.map((reply) => reply.status), [202, 401, 202, 400]);
  t.true(h.logs.length >= 4);
  t.false(h.logs.some((line) => line.includes(SECRET)));
  t.false(replies.some((reply) => JSON.stringify(reply.json).includes(SECRET)));
});

test("a changed secret file applies to the next request", async (t) => {
  const h = await startHarness(t);
  await writeFile(h.secretFile, "rotated\n");

  const old = await post(h.url, githubPush, { "x-github-event": "push", "x-hub-signature-256": sign(githubPush) });
  const rotated = await post(h.url, githubPush, { "x-github-event": "push", "x-hub-signature-256": sign(githubPush, "rotated") });

  t.is(old.status, 401);
  t.is(rotated.status, 202);
});

test("ping events answer 200 and fetch nothing", async (t) => {
  const h = await startHarness(t);
  const body = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });

  const reply = await post(h.url, body, { "x-github-event": "ping", "x-hub-signature-256": sign(body) });

  t.is(reply.status, 200);
  t.deepEqual(h.controller.callsOf("fetch"), []);
});

test("malformed JSON and unsupported events get 400", async (t) => {
  const h = await startHarness(t);
  const broken = '{"repository": ';

  const malformed = await post(h.url, broken, { "x-github-event": "push", "x-hub-signature-256": sign(broken) });
  const issues = await post(h.url, githubPush, { "x-github-event": "issues", "x-hub-signature-256": sign(githubPush) });

  t.is(malformed.status, 400);
  t.is(issues.status, 400);
  t.regex(String(issues.json["error"]), /unsupported event "issues"/);
  t.deepEqual(h.controller.callsOf("fetch"), []);
});

test("methods other than POST get 405", async (t) => {
  const h = await startHarness(t);

  const response = await fetch(h.url);

  t.is(response.status, 405);
  t.is(response.headers.get("allow"), "POST");
  await response.text();
});

test("a declared body over maxBodyBytes gets 413 before anything is read", async (t) => {
  const h = await startHarness(t, { maxBodyBytes: 4096 });

  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request(h.url, { method: "POST", headers: { "content-length": String(10 * 1024 * 1024), "x-github-event": "push" } });
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on("error", reject);
    req.flushHeaders();
  });

  t.is(status, 413);
  t.deepEqual(h.controller.callsOf("fetch"), []);
});

test("a streamed body that grows past maxBodyBytes gets 413 while the client is still sending", async (t) => {
  const h = await startHarness(t, { maxBodyBytes: 4096 });
  const chunk = Buffer.alloc(1024, "x");

  const result = await new Promise<{ status: number; sent: number }>((resolve, reject) => {
    let sent = 0;
    let done = false;
    // No Content-Length: chunked encoding, so only the bytes themselves can reveal the size.
    const req = http.request(h.url, { method: "POST", headers: { "content-type": "application/json", "x-github-event": "push", "x-hub-signature-256": sign("") } });
    req.on("response", (res) => {
      done = true;
      res.resume();
      resolve({ status: res.statusCode ?? 0, sent });
      req.destroy();
    });
    req.on("error", (error) => {
      if (!done) reject(error);
    });
    const pump = () => {
      if (done) return;
      if (sent > 64 * 1024 * 1024) {
        reject(new Error("the server kept reading past the limit"));
        return;
      }
      sent += chunk.length;
      if (req.write(chunk)) setImmediate(pump);
      else req.once("drain", pump);
    };
    pump();
  });

  t.is(result.status, 413);
  t.true(result.sent > 4096);
  t.deepEqual(h.controller.callsOf("fetch"), []);
});

test("a burst of pushes runs one fetch and queues at most one more", async (t) => {
  const h = await startHarness(t);
  const holds = [deferred<FetchOutcome[]>(), deferred<FetchOutcome[]>()];
  let calls = 0;
  h.controller.fetchBehaviour = () => holds[calls++]?.promise ?? Promise.resolve([]);
  const headers = { "x-github-event": "push", "x-hub-signature-256": sign(githubPush) };

  const replies = [];
  for (let i = 0; i < 5; i++) replies.push(await post(h.url, githubPush, headers));
  t.deepEqual(replies.map((r) => r.json["fetch"]), ["started", "queued", "coalesced", "coalesced", "coalesced"]);
  t.is(h.controller.callsOf("fetch").length, 1);

  holds[0]!.resolve([]);
  await waitFor(() => h.controller.callsOf("fetch").length === 2, "the queued fetch");
  holds[1]!.resolve([]);
  const after = await post(h.url, githubPush, headers);

  t.is(after.json["fetch"], "started");
  t.is(h.controller.callsOf("fetch").length, 3);
});

/** `signature` with its last hex digit changed (the mutation "compare only a prefix" accepts it). */
function lastDigitChanged(signature: string): string {
  const last = signature.at(-1) === "0" ? "1" : "0";
  return `${signature.slice(0, -1)}${last}`;
}

test("a signature or token differing only in its last digit, or of another length, gets 401 from every provider", async (t) => {
  const h = await startHarness(t);
  const bare = createHmac("sha256", SECRET).update(githubPush).digest("hex");
  const sends: [string, Record<string, string>][] = [
    ["github", { "x-github-event": "push", "x-hub-signature-256": lastDigitChanged(sign(githubPush)) }],
    ["gitea", { "x-gitea-event": "push", "x-gitea-signature": lastDigitChanged(bare) }],
    ["forgejo", { "x-forgejo-event": "push", "x-forgejo-signature": lastDigitChanged(bare) }],
    ["generic", { "x-comin-signature-256": lastDigitChanged(sign(githubPush)) }],
    ["gitlab", { "x-gitlab-event": "Push Hook", "x-gitlab-token": `${SECRET.slice(0, -1)}${SECRET.at(-1) === "x" ? "y" : "x"}` }],
    ["github, 62 digits", { "x-github-event": "push", "x-hub-signature-256": sign(githubPush).slice(0, -2) }],
    ["gitea, 66 digits", { "x-gitea-event": "push", "x-gitea-signature": `${bare}00` }],
    ["gitlab, a prefix", { "x-gitlab-event": "Push Hook", "x-gitlab-token": SECRET.slice(0, -1) }],
  ];

  for (const [what, headers] of sends) t.is((await post(h.url, githubPush, headers)).status, 401, what);
  t.deepEqual(h.controller.callsOf("fetch"), []);
});
