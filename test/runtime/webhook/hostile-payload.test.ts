/**
 * Signed payloads built to hurt (only a sender holding the secret can get this far): they are
 * answered, never crash or wedge the listener, and fetch nothing they do not name.
 */
import test from "ava";
import { sign, startWebhookHarness } from "../../helpers/webhook.js";

async function push(url: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", "x-github-event": "push", "x-hub-signature-256": sign(body) } });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

test("deeply nested JSON is answered (400 for an array, 202 matching nothing for an object)", async (t) => {
  const h = await startWebhookHarness(t, { maxBodyBytes: 1024 * 1024 });
  const arrays = `${"[".repeat(400_000)}${"]".repeat(400_000)}`;
  const objects = `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`;

  const replies = [await push(h.url, arrays), await push(h.url, objects)];

  t.deepEqual(replies.map((reply) => reply.status), [400, 202]);
  t.is(replies[1]!.json["matched"], false);
  t.deepEqual(h.controller.callsOf("fetch"), []);
});

test("a repository URL of a megabyte of slashes, or with broken percent-encoding, matches nothing and is answered 202", async (t) => {
  const h = await startWebhookHarness(t, { maxBodyBytes: 1024 * 1024 });
  const slashes = JSON.stringify({ repository: { clone_url: `https://git.example.org/${"/".repeat(1000 * 1000)}x`, full_name: `acme/${"/".repeat(1000)}x` } });
  const percent = JSON.stringify({ repository: { clone_url: "https://git.example.org/acme/%E0%A4%A", html_url: "https://git.example.org/acme/infra%" } });

  const replies = [await push(h.url, slashes), await push(h.url, percent)];

  t.deepEqual(replies.map((reply) => [reply.status, reply.json["matched"]]), [[202, false], [202, false]]);
  t.deepEqual(h.controller.callsOf("fetch"), []);
});

test("a payload naming two remotes by URL fetches exactly those two, in one fetch", async (t) => {
  const h = await startWebhookHarness(t, { remotes: [{ name: "https", url: "https://git.example.org/acme/infra.git" }, { name: "ssh", url: "git@git.example.org:acme/infra.git" }, { name: "other", url: "https://git.example.org/acme/other.git" }] });
  const body = JSON.stringify({ repository: { clone_url: "https://git.example.org/acme/infra.git", ssh_url: "git@git.example.org:acme/infra.git" } });

  const reply = await push(h.url, body);

  t.deepEqual(reply.json, { matched: true, remotes: ["https", "ssh"], fetch: "started" });
  t.deepEqual(h.controller.callsOf("fetch"), [[["https", "ssh"]]]);
});
