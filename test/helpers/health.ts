/**
 * Health-check fixtures for the tests of behaviour.md §14: a real HTTP server on loopback whose
 * answer depends on the system a machine runs (the `variant` file of its current system), so that
 * one system version is unhealthy and the others are not; and readers of a machine's profile.
 */
import { readFile, readdir, readlink, realpath } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { RuntimeConfigInput } from "../../dsl/schema.js";
import type { Teardown } from "./temp.js";

export interface HealthServer {
  url: string;
  /** Variants (of the current system) answered with 500; the others get 200. */
  bad: Set<string>;
  /** Requests answered, in order: the variant, the status, and when the answer was sent (ms since the epoch). */
  answers: { variant: string; status: number; at: number }[];
}

/** Serves `/healthz` for the machine whose current-system link is `currentSystem`. */
export async function healthServer(t: Teardown, currentSystem: string, bad: string[] = []): Promise<HealthServer> {
  const state: HealthServer = { url: "", bad: new Set(bad), answers: [] };
  const server = http.createServer((_req, res) => {
    void (async () => {
      const variant = await readFile(path.join(currentSystem, "variant"), "utf8").catch(() => "?");
      const status = state.bad.has(variant) ? 500 : 200;
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(`${variant}\n`);
      state.answers.push({ variant, status, at: Date.now() });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
  return state;
}

/** The current-system link of the machine `createMachine(dir, hostname, …)` makes. */
export function currentSystemOf(dir: string, hostname: string): string {
  return path.join(dir, `machine-${hostname}`, "run/current-system");
}

/** A `health` block for the runtime config: one http check, quick timings. */
export function httpHealth(url: string, extra: Partial<NonNullable<RuntimeConfigInput["health"]>> = {}): NonNullable<RuntimeConfigInput["health"]> {
  return { checks: [{ name: "web", http: { url }, timeout: 1 }], gracePeriod: 0, interval: 1, timeout: 2, ...extra };
}

/** The system the profile's current generation points at, and its generation links (names). */
export async function profileState(profile: string): Promise<{ current: string | null; links: string[] }> {
  const current = await realpath(profile).catch(() => null);
  const prefix = `${path.basename(profile)}-`;
  const links = (await readdir(path.dirname(profile)).catch(() => [] as string[])).filter((name) => name.startsWith(prefix) && name.endsWith("-link")).sort();
  return { current, links };
}

/** Where a profile generation link points. */
export async function linkTarget(profile: string, link: string): Promise<string> {
  return realpath(path.resolve(path.dirname(profile), await readlink(path.join(path.dirname(profile), link))));
}
