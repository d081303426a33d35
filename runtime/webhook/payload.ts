/**
 * What a verified webhook request asks for: a push (fetch the matching remotes), a ping (nothing),
 * or something we do not handle. Only the repository's identity is read from a payload; a commit
 * id from it is never trusted (behaviour.md §12).
 */
import type { IncomingHttpHeaders } from "node:http";

export type WebhookEventKind = "push" | "ping";

export interface RepositoryIdentity {
  urls: string[];
  fullNames: string[];
}

const EVENT_HEADERS = ["x-github-event", "x-gitea-event", "x-forgejo-event", "x-gitlab-event", "x-comin-event"];
const PUSH_EVENTS = new Set(["push", "push hook", "tag push hook", "system hook"]);

/** The event named by the request's headers; a request without one (generic sender) is a push. */
export function classifyEvent(headers: IncomingHttpHeaders): { kind: WebhookEventKind } | { kind: null; name: string } {
  for (const header of EVENT_HEADERS) {
    const raw = headers[header];
    const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
    if (value === undefined || value === "") continue;
    const name = value.toLowerCase();
    if (name === "ping") return { kind: "ping" };
    if (PUSH_EVENTS.has(name)) return { kind: "push" };
    return { kind: null, name: value };
  }
  return { kind: "push" };
}

/** Parses the body as JSON, or as GitHub's form encoding (`payload=<json>`). */
export function parsePayload(body: Buffer, contentType: string | undefined): { ok: true; value: Record<string, unknown> } | { ok: false; reason: string } {
  let text = body.toString("utf8");
  if (contentType?.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    const payload = new URLSearchParams(text).get("payload");
    if (payload === null) return { ok: false, reason: "form-encoded body without a payload field" };
    text = payload;
  }
  if (text.trim() === "") return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `malformed JSON: ${(error as Error).message}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, reason: "the payload must be a JSON object" };
  return { ok: true, value: value as Record<string, unknown> };
}

function strings(object: unknown, keys: string[]): string[] {
  if (typeof object !== "object" || object === null) return [];
  const record = object as Record<string, unknown>;
  return keys.map((key) => record[key]).filter((value): value is string => typeof value === "string" && value !== "");
}

/** Repository URLs and full names of GitHub, Gitea/Forgejo and GitLab push payloads. */
export function repositoryOf(payload: Record<string, unknown>): RepositoryIdentity {
  const repository = payload["repository"];
  const project = payload["project"];
  return {
    urls: [
      ...strings(repository, ["clone_url", "ssh_url", "git_url", "html_url", "git_http_url", "git_ssh_url", "homepage", "url"]),
      ...strings(project, ["git_http_url", "git_ssh_url", "web_url", "http_url", "ssh_url"]),
    ],
    fullNames: [...strings(repository, ["full_name"]), ...strings(project, ["path_with_namespace"])],
  };
}
