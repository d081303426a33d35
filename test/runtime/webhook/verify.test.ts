import test from "ava";
import { createHmac } from "node:crypto";
import { verifyBareSignature, verifyPrefixedSignature, verifyToken, verifyWebhookRequest } from "../../../runtime/webhook/verify.js";

// GitHub's published example (docs: "Validating webhook deliveries").
const GITHUB_SECRET = "It's a Secret to Everybody";
const GITHUB_PAYLOAD = Buffer.from("Hello, World!");
const GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

const hex = (secret: string, body: Buffer) => createHmac("sha256", secret).update(body).digest("hex");

test("GitHub's published test vector verifies", (t) => {
  t.true(verifyPrefixedSignature(GITHUB_SECRET, GITHUB_PAYLOAD, GITHUB_SIGNATURE));
});

test("a forged body does not verify against the original signature", (t) => {
  t.false(verifyPrefixedSignature(GITHUB_SECRET, Buffer.from("Hello, World?"), GITHUB_SIGNATURE));
});

test("another secret does not verify", (t) => {
  t.false(verifyPrefixedSignature("It's a secret to everybody", GITHUB_PAYLOAD, GITHUB_SIGNATURE));
});

test("malformed signatures are refused without throwing", (t) => {
  for (const header of [
    GITHUB_SIGNATURE.replace("sha256=", "sha1="),
    GITHUB_SIGNATURE.slice(0, -2),
    `${GITHUB_SIGNATURE}00`,
    "sha256=",
    "sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    GITHUB_SIGNATURE.slice("sha256=".length),
    "",
  ]) {
    t.false(verifyPrefixedSignature(GITHUB_SECRET, GITHUB_PAYLOAD, header), header);
  }
  t.false(verifyPrefixedSignature(GITHUB_SECRET, GITHUB_PAYLOAD, undefined));
});

test("hex digits are accepted in either case", (t) => {
  t.true(verifyPrefixedSignature(GITHUB_SECRET, GITHUB_PAYLOAD, GITHUB_SIGNATURE.toUpperCase().replace("SHA256=", "sha256=")));
});

test("Gitea and Forgejo signatures are the bare hex digest", (t) => {
  const body = Buffer.from('{"ref":"refs/heads/main"}');

  t.true(verifyBareSignature("s3cret", body, hex("s3cret", body)));
  t.false(verifyBareSignature("s3cret", body, `sha256=${hex("s3cret", body)}`));
  t.false(verifyBareSignature("other", body, hex("s3cret", body)));
});

test("GitLab tokens compare whole strings", (t) => {
  t.true(verifyToken("s3cret", "s3cret"));
  t.false(verifyToken("s3cret", "s3cre"));
  t.false(verifyToken("s3cret", "s3cret "));
  t.false(verifyToken("s3cret", ""));
  t.false(verifyToken("s3cret", undefined));
});

test("verifyWebhookRequest names the provider from its header", (t) => {
  const body = Buffer.from("{}");
  const mac = hex("s3cret", body);

  t.deepEqual(verifyWebhookRequest("s3cret", body, { "x-hub-signature-256": `sha256=${mac}` }), { ok: true, provider: "github" });
  t.deepEqual(verifyWebhookRequest("s3cret", body, { "x-gitea-signature": mac }), { ok: true, provider: "gitea" });
  t.deepEqual(verifyWebhookRequest("s3cret", body, { "x-forgejo-signature": mac }), { ok: true, provider: "forgejo" });
  t.deepEqual(verifyWebhookRequest("s3cret", body, { "x-gitlab-token": "s3cret" }), { ok: true, provider: "gitlab" });
  t.deepEqual(verifyWebhookRequest("s3cret", body, { "x-comin-signature-256": `sha256=${mac}` }), { ok: true, provider: "generic" });
});

test("verifyWebhookRequest refuses a request without any signature header", (t) => {
  const result = verifyWebhookRequest("s3cret", Buffer.from("{}"), { "x-github-event": "push" });

  t.false(result.ok);
  t.is(result.ok ? null : result.provider, null);
});

test("a valid token cannot stand in for a wrong HMAC sent in the same request", (t) => {
  const body = Buffer.from("{}");

  const result = verifyWebhookRequest("s3cret", body, { "x-hub-signature-256": `sha256=${"0".repeat(64)}`, "x-gitlab-token": "s3cret" });

  t.false(result.ok);
});

test("a signature in the wrong header (GitHub's format in Gitea's header) is refused", (t) => {
  const body = Buffer.from("{}");

  const result = verifyWebhookRequest("s3cret", body, { "x-gitea-signature": `sha256=${hex("s3cret", body)}` });

  t.false(result.ok);
});

/** The same hex string with its last digit changed. */
function lastDigitChanged(hexDigits: string): string {
  return `${hexDigits.slice(0, -1)}${hexDigits.at(-1) === "0" ? "1" : "0"}`;
}

test("a GitHub sha256 signature differing only in its last hex digit is refused", (t) => {
  t.false(verifyPrefixedSignature(GITHUB_SECRET, GITHUB_PAYLOAD, lastDigitChanged(GITHUB_SIGNATURE)));
  t.false(verifyWebhookRequest(GITHUB_SECRET, GITHUB_PAYLOAD, { "x-hub-signature-256": lastDigitChanged(GITHUB_SIGNATURE) }).ok);
});

test("Gitea and Forgejo signatures differing only in their last hex digit are refused", (t) => {
  const body = Buffer.from('{"ref":"refs/heads/main"}');
  const forged = lastDigitChanged(hex("s3cret", body));

  t.false(verifyBareSignature("s3cret", body, forged));
  t.false(verifyWebhookRequest("s3cret", body, { "x-gitea-signature": forged }).ok);
  t.false(verifyWebhookRequest("s3cret", body, { "x-forgejo-signature": forged }).ok);
});

test("a generic X-Comin-Signature-256 differing only in its last hex digit is refused", (t) => {
  const body = Buffer.from("{}");

  t.false(verifyWebhookRequest("s3cret", body, { "x-comin-signature-256": `sha256=${lastDigitChanged(hex("s3cret", body))}` }).ok);
});

test("a GitLab token differing only in its last character is refused", (t) => {
  t.false(verifyToken("s3cret-token", "s3cret-tokeN"));
  t.false(verifyWebhookRequest("s3cret-token", Buffer.from("{}"), { "x-gitlab-token": "s3cret-toke_" }).ok);
});

test("signatures and tokens of another length are refused, shorter or longer", (t) => {
  const body = Buffer.from("{}");
  const mac = hex("s3cret", body);

  for (const digits of [mac.slice(0, 32), mac.slice(0, 62), mac.slice(0, 63), `${mac}0`, `${mac}${mac}`]) {
    t.false(verifyPrefixedSignature("s3cret", body, `sha256=${digits}`), `${digits.length} digits`);
    t.false(verifyBareSignature("s3cret", body, digits), `${digits.length} bare digits`);
  }
  t.false(verifyToken("s3cret-token", "s3cret"));
  t.false(verifyToken("s3cret", "s3cret-token"));
});
