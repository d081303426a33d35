/**
 * Leaf types that name things outside the agent: HTTP URLs, Nix store URIs and public keys,
 * systemd units, etcd key prefixes, programs. The resolved configuration ends up in the
 * world-readable Nix store, so none of them may carry a password.
 */
import { z } from "zod";
import { readableTypes } from "./fields.js";

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

const IN_THE_STORE = "the configuration is readable by every user of the machine (it is in the Nix store)";

/** Why `value` is not an acceptable http(s) URL, or undefined. `base`: nothing is appended after a query or fragment. */
export function httpUrlProblem(value: string, options: { base?: boolean } = {}): string | undefined {
  if (/[\s\0]/.test(value)) return "contains whitespace or a NUL character";
  const url = parseUrl(value);
  if (!url) return "not a URL";
  if (url.protocol !== "http:" && url.protocol !== "https:") return `expected http:// or https://, got ${url.protocol}//`;
  if (url.username || url.password) return `embeds credentials, and ${IN_THE_STORE}`;
  if (options.base && (url.search || url.hash)) return "a base URL cannot have a query or a fragment (paths are appended to it)";
  return undefined;
}

function urlType(options: { base?: boolean }, text: string) {
  const type = z.string({ error: "expected a URL (a string)" }).superRefine((value, ctx) => {
    const problem = httpUrlProblem(value, options);
    if (problem) ctx.addIssue({ code: "custom", message: `invalid URL ${JSON.stringify(value)}: ${problem}` });
  });
  readableTypes.add(type, { readable: text });
  return type;
}

/** An `http://` or `https://` URL. */
export const HttpUrl = urlType({}, "URL, `http://` or `https://`");

/** An `http://` or `https://` URL that paths are appended to. */
export const HttpBaseUrl = urlType({ base: true }, "URL, `http://` or `https://`, without query or fragment");

const STORE_SCHEMES = ["https:", "http:", "s3:", "file:", "ssh:", "ssh-ng:"];

export function storeUriProblem(value: string): string | undefined {
  if (/[\s\0]/.test(value)) return "contains whitespace or a NUL character";
  const url = parseUrl(value);
  if (!url || !STORE_SCHEMES.includes(url.protocol)) return `expected a Nix store URI: ${STORE_SCHEMES.map((scheme) => `${scheme}//…`).join(", ")}`;
  if (url.password) return `embeds a password, and ${IN_THE_STORE}; use a netrc file (nix.conf netrc-file)`;
  return undefined;
}

export const StoreUri = z.string({ error: "expected a Nix store URI (a string)" }).superRefine((value, ctx) => {
  const problem = storeUriProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: `invalid substituter ${JSON.stringify(value)}: ${problem}` });
});
readableTypes.add(StoreUri, { readable: "Nix store URI (`https://`, `http://`, `s3://`, `file://`, `ssh://`, `ssh-ng://`)" });

const PUBLIC_KEY = /^([^:\s]+):([A-Za-z0-9+/]+={0,2})$/;

/** Nix signs store paths with ed25519: a public key is 32 bytes, a secret key 64. */
export function publicKeyProblem(value: string): string | undefined {
  const match = PUBLIC_KEY.exec(value);
  if (!match) return 'expected name:base64, as in "cache.example.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="';
  const bytes = Buffer.from(match[2] ?? "", "base64").length;
  if (bytes === 64) return "this is a secret key (64 bytes): put its public key here (nix key convert-secret-to-public), and never the secret key in the configuration";
  if (bytes !== 32) return `expected a 32-byte ed25519 public key, got ${bytes} bytes`;
  return undefined;
}

export const PublicKey = z.string({ error: "expected a public key (a string)" }).superRefine((value, ctx) => {
  const problem = publicKeyProblem(value);
  // The value is echoed only when it is not key material.
  const shown = /:[A-Za-z0-9+/]{40,}/.test(value) ? JSON.stringify(`${value.split(":")[0] ?? ""}:…`) : JSON.stringify(value);
  if (problem) ctx.addIssue({ code: "custom", message: `invalid public key ${shown}: ${problem}` });
});
readableTypes.add(PublicKey, { readable: "Nix public key, `name:base64` (as in `trusted-public-keys`)" });

/** systemd unit names (systemd.unit(5)); never starting with "-", so never read as an option. */
export const SystemdUnitName = z.string().regex(/^(?!-)[A-Za-z0-9:_.\\@-]{1,255}$/, {
  error: (issue) =>
    `invalid unit name ${JSON.stringify(issue.input)}: expected a systemd unit such as "nginx.service" (letters, digits and : _ . \\ @ -, not starting with "-")`,
});
readableTypes.add(SystemdUnitName, { readable: 'systemd unit name (such as `"nginx.service"`)' });

export const EtcdPrefix = z.string().regex(/^(?:\/[A-Za-z0-9._-]+)+$/, {
  error: (issue) =>
    `invalid key prefix ${JSON.stringify(issue.input)}: expected "/"-separated segments of letters, digits, ".", "_" and "-", such as "/comin/reboot-lock", without a trailing "/"`,
});
readableTypes.add(EtcdPrefix, { readable: 'etcd key prefix (such as `"/comin/reboot-lock"`)' });

/** A program and its arguments, run without a shell: the program is an absolute path. */
export const ProgramArgv = z
  .array(z.string().min(1, { error: "an argument cannot be empty" }), { error: "expected a list: the program's absolute path, then its arguments" })
  .min(1, { error: "the command cannot be empty: give the program's absolute path, then its arguments" })
  .superRefine((argv, ctx) => {
    const program = argv[0];
    if (program !== undefined && !program.startsWith("/")) {
      ctx.addIssue({ code: "custom", path: [0], message: `the program must be an absolute path (no shell, no PATH lookup), got ${JSON.stringify(program)}` });
    }
  });
