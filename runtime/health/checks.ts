/**
 * One run of one health check (behaviour.md §14): the four kinds of the DSL (`http`, `systemdUnit`,
 * `noFailedUnits`, `command`), each with its own timeout. Commands and `systemctl` (taken from
 * PATH) start in the process runner; `http` is a GET with node's http client. A run never throws:
 * it ends in `{ ok, detail }`.
 */
import http from "node:http";
import https from "node:https";
import type { HealthCheckConfig } from "../../dsl/schema.js";
import { errorMessage } from "../errors.js";
import { runProcess, type ProcessResult } from "../process.js";
import type { HealthCheckResult } from "../types.js";
import { checkKind } from "./kind.js";

/** Characters of a command's output kept as the detail (its tail). */
const DETAIL_CHARS = 400;

export interface CheckRun {
  /** COMIN_* variables of §7.6, for `command` checks. */
  env: Record<string, string>;
  signal?: AbortSignal;
}

export async function runCheck(check: HealthCheckConfig, run: CheckRun): Promise<HealthCheckResult> {
  const kind = checkKind(check);
  const timeoutMs = check.timeout * 1000;
  try {
    switch (kind.kind) {
      case "http":
        return { name: check.name, ...(await httpCheck(kind.url, kind.expectStatus, timeoutMs, run.signal)) };
      case "systemdUnit": {
        const result = await runProcess("systemctl", ["is-active", kind.unit], { timeoutMs, killGraceMs: 1000, ...signalOf(run) });
        const state = result.stdout.trim();
        return { name: check.name, ok: result.exitCode === 0 && state === "active", detail: ended(result, `${kind.unit} is ${state || "unknown"}`) };
      }
      case "noFailedUnits": {
        const result = await runProcess("systemctl", ["list-units", "--state=failed", "--no-legend", "--plain", "--no-pager"], { timeoutMs, killGraceMs: 1000, ...signalOf(run) });
        const units = result.stdout.split("\n").map((line) => line.trim().split(/\s+/)[0] ?? "").filter(Boolean);
        if (result.exitCode !== 0 || result.stoppedBy !== null) return { name: check.name, ok: false, detail: ended(result, "systemctl list-units failed") };
        return { name: check.name, ok: units.length === 0, detail: units.length === 0 ? "no failed units" : `failed units: ${units.join(", ")}` };
      }
      case "command": {
        const [file = "", ...args] = kind.argv;
        const result = await runProcess(file, args, { env: run.env, timeoutMs, killGraceMs: 1000, ...signalOf(run) });
        const output = tail([result.stdout, ...result.stderrLines].join("\n").trim());
        return { name: check.name, ok: result.exitCode === 0 && result.stoppedBy === null, detail: ended(result, output || `exit code ${result.exitCode ?? "?"}`) };
      }
    }
  } catch (error) {
    return { name: check.name, ok: false, detail: errorMessage(error) };
  }
}

function signalOf(run: CheckRun): { signal?: AbortSignal } {
  return run.signal ? { signal: run.signal } : {};
}

function tail(text: string): string {
  return text.length > DETAIL_CHARS ? `…${text.slice(-DETAIL_CHARS)}` : text;
}

/** The detail of a process run: how it was stopped, or the given words. */
function ended(result: ProcessResult, words: string): string {
  if (result.stoppedBy === "timeout") return "timed out";
  if (result.stoppedBy === "cancelled") return "cancelled";
  if (result.spawnError) return `cannot run it (${result.spawnError.code ?? result.spawnError.message})`;
  return words;
}

function httpCheck(url: string, expectStatus: number, timeoutMs: number, signal?: AbortSignal): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    const client = url.startsWith("https:") ? https : http;
    const request = client.get(url, { timeout: timeoutMs, ...(signal ? { signal } : {}), headers: { "user-agent": "comin-health-check" } }, (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      resolve({ ok: status === expectStatus, detail: status === expectStatus ? `HTTP ${status}` : `HTTP ${status}, expected ${expectStatus}` });
    });
    request.on("timeout", () => request.destroy(new Error("timed out")));
    request.on("error", (error: NodeJS.ErrnoException) => resolve({ ok: false, detail: error.code ?? error.message }));
  });
}
