/**
 * The webhook listener in-process on a free loopback port, with a FakeController whose remotes
 * are `origin` (https://git.example.org/acme/infra.git) and `mirror` (/srv/git/infra.git), a
 * secret file, and every log line kept.
 */
import type { ExecutionContext } from "ava";
import { createHmac } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createLogger } from "../../runtime/log.js";
import type { WebhookLimits } from "../../runtime/webhook/limits.js";
import { startWebhookServer, type WebhookServer } from "../../runtime/webhook/server.js";
import { FakeController, sampleStatus } from "./fake-controller.js";

export const SECRET = "correct horse battery staple";

export interface WebhookHarness {
  controller: FakeController;
  port: number;
  url: string;
  secretFile: string;
  logs: string[];
  server: WebhookServer;
}

export async function startWebhookHarness(t: ExecutionContext, options: { maxBodyBytes?: number; limits?: Partial<WebhookLimits>; remotes?: { name: string; url: string }[] } = {}): Promise<WebhookHarness> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "comin-webhook-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const secretFile = path.join(dir, "secret");
  await writeFile(secretFile, `${SECRET}\n`);
  const status = sampleStatus();
  const template = status.remotes[0]!;
  status.remotes = (options.remotes ?? [
    { name: "origin", url: template.url },
    { name: "mirror", url: "/srv/git/infra.git" },
  ]).map((remote) => ({ ...template, ...remote }));
  const controller = new FakeController(status);
  const logs: string[] = [];
  const log = createLogger({ level: "debug", write: (line) => logs.push(line) });
  const config = { listenAddress: "127.0.0.1", port: 0, secretFile, maxBodyBytes: options.maxBodyBytes ?? 4096 };
  const server = await startWebhookServer({ config, controller, log, ...(options.limits ? { limits: options.limits } : {}) });
  t.teardown(() => server.close());
  return { controller, port: server.port, url: `http://127.0.0.1:${server.port}/webhook`, secretFile, logs, server };
}

export function sign(body: string | Buffer, secret = SECRET): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export interface RawReply {
  /** The status line's code, or null when the server closed without answering. */
  status: number | null;
  text: string;
}

/**
 * Writes `request` (raw bytes: head and whatever body) on a fresh connection and collects what
 * the server sends until a complete final reply has arrived or the server closed the connection.
 */
export function rawRequest(port: number, request: string | Buffer): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(request));
    let text = "";
    const done = () => {
      socket.destroy();
      const match = /^HTTP\/1\.1 (\d{3}) /.exec(text);
      resolve({ status: match ? Number(match[1]) : null, text });
    };
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      text += chunk;
      // A whole reply: the head, and a body as long as its Content-Length.
      const end = text.indexOf("\r\n\r\n");
      const length = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, end));
      if (end !== -1 && !text.startsWith("HTTP/1.1 100 ") && text.length >= end + 4 + Number(length?.[1] ?? 0)) done();
    });
    socket.on("error", () => {});
    socket.on("close", done);
  });
}
