import test from "ava";
import { WebhookLimitError, defaultWebhookLimits, resolveLimits } from "../../../runtime/webhook/limits.js";

test("the defaults are those docs/webhooks.md documents", (t) => {
  t.deepEqual(defaultWebhookLimits(1024 * 1024), {
    maxConnections: 64,
    newcomerGraceMs: 250,
    maxNewcomers: 192,
    maxBufferedBytes: 4 * 1024 * 1024,
    smallBodyBytes: 64 * 1024,
    headersTimeoutMs: 5_000,
    requestTimeoutMs: 10_000,
    keepAliveTimeoutMs: 5_000,
    timeoutCheckIntervalMs: 1_000,
    maxHeaderBytes: 8 * 1024,
  });
});

test("the body budget always holds one body of maxBodyBytes", (t) => {
  t.is(resolveLimits(16 * 1024 * 1024).maxBufferedBytes, 16 * 1024 * 1024);
  const error = t.throws(() => resolveLimits(1024 * 1024, { maxBufferedBytes: 1024 }), { instanceOf: WebhookLimitError });
  t.regex(error?.message ?? "", /maxBufferedBytes \(1024\) is below maxBodyBytes/);
});

test("a limit that is not a positive whole number, or headers allowed longer than the request, is refused by name", (t) => {
  t.throws(() => resolveLimits(4096, { maxConnections: 0 }), { instanceOf: WebhookLimitError, message: /maxConnections must be a positive whole number, got 0/ });
  t.throws(() => resolveLimits(4096, { requestTimeoutMs: 1.5 }), { message: /requestTimeoutMs/ });
  t.throws(() => resolveLimits(4096, { headersTimeoutMs: 20_000 }), { message: /headersTimeoutMs must not exceed requestTimeoutMs/ });
});
