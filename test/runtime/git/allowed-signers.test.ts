/**
 * The allowed-signers reader (ssh-keygen(1), ALLOWED SIGNERS) that lets the gate check git's SSH
 * verdict: entries, options, errors with their line, OpenSSH patterns, validity windows.
 */
import test from "ava";
import { isValidAt, matchesPatternList, parseAllowedSigners, AllowedSignersSyntaxError } from "../../../runtime/git/allowed-signers.js";
import { createSshKey, tempDir } from "../../helpers/git.js";

test("entries are read as ssh-keygen reads them: quoted principals, options, comments, fingerprints", async (t) => {
  const dir = await tempDir(t);
  const [bob, carol] = await Promise.all([createSshKey(dir, "bob@example.test"), createSshKey(dir, "carol@example.test", "rsa")]);
  const text = [
    "# the fleet's signers",
    "",
    `bob@example.test,ops@example.test namespaces="git,file" ${bob.publicKey} bob's laptop`,
    `"Carol Admin" valid-after="20240101",valid-before="20250101123000Z" ${carol.publicKey}`,
    `*@example.test cert-authority ${bob.publicKey}`,
  ].join("\n");

  const entries = parseAllowedSigners(text);

  t.deepEqual(entries, [
    { line: 3, principals: "bob@example.test,ops@example.test", certAuthority: false, namespaces: "git,file", validAfter: null, validBefore: null, fingerprint: bob.fingerprint },
    {
      line: 4,
      principals: "Carol Admin",
      certAuthority: false,
      namespaces: null,
      validAfter: new Date(2024, 0, 1),
      validBefore: new Date(Date.UTC(2025, 0, 1, 12, 30, 0)),
      fingerprint: carol.fingerprint,
    },
    { line: 5, principals: "*@example.test", certAuthority: true, namespaces: null, validAfter: null, validBefore: null, fingerprint: bob.fingerprint },
  ]);
});

test("a line ssh-keygen could not use is an error naming the line", (t) => {
  const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA2mRkF1N4CDYrNtBxS1dmZl3U6r7cg5uJdVZUzZ0k9x";
  const cases: Array<[string, RegExp]> = [
    [`bob ${key}\nbob nosuch-option ${key}`, /^line 2: unknown option "nosuch-option"/],
    [`bob valid-before="2025-01-01" ${key}`, /^line 1: invalid time "2025-01-01"/],
    [`bob valid-before="20250230" ${key}`, /^line 1: invalid time "20250230"$/],
    ["bob ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ", /^line 1: the ssh-ed25519 key is not valid base64 of a ssh-ed25519 key$/],
    ["bob", /^line 1: expected "<principals> \[options\] <key type> <base64 key>"$/],
    [`bob namespaces="git ${key}`, /^line 1: /],
  ];

  for (const [text, message] of cases) {
    const error = t.throws(() => parseAllowedSigners(text), { instanceOf: AllowedSignersSyntaxError });
    t.regex(error?.message ?? "", message, text);
  }
});

test("principal patterns follow OpenSSH: wildcards, lists, negation", (t) => {
  t.true(matchesPatternList("bob@example.test", "alice@example.test,bob@example.test"));
  t.true(matchesPatternList("bob@example.test", "*@example.test"));
  t.true(matchesPatternList("*@example.test", "*@example.test"), "git names the principal field itself");
  t.true(matchesPatternList("b0b", "b?b"));
  t.false(matchesPatternList("eve@example.test", "*@example.test,!eve@*"));
  t.false(matchesPatternList("bob@example.test.evil", "*@example.test"));
  t.false(matchesPatternList("bob", "b.b"), "a dot is no wildcard");
});

test("validity windows include both ends", (t) => {
  const [entry] = parseAllowedSigners('bob valid-after="20240101Z",valid-before="20240201Z" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA2mRkF1N4CDYrNtBxS1dmZl3U6r7cg5uJdVZUzZ0k9x');
  if (!entry) throw new Error("no entry");

  const at = (iso: string) => isValidAt(entry, new Date(iso));

  t.deepEqual(
    ["2023-12-31T23:59:59Z", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "2024-02-01T00:00:01Z"].map(at),
    [false, true, true, false],
  );
});
