import path from "node:path";
import test from "ava";
import { Remote, type RemoteConfig } from "../../dsl/schema.js";
import { Fetcher } from "../../runtime/fetcher.js";
import { GitRepository } from "../../runtime/git/repository.js";
import { createLogger, silentLogger, type Logger } from "../../runtime/log.js";
import type { FetchOutcome } from "../../runtime/types.js";
import { remoteHead, startGitHttpServer, startSilentServer, tempDir, UpstreamRepo, waitFor, type Teardown } from "../helpers/git.js";

/** Outcomes without their timing, which varies. */
const plain = (outcomes: readonly FetchOutcome[] | undefined) => (outcomes ?? []).map(({ durationMs: _durationMs, ...rest }) => rest);

type Spec = { name: string; url?: string; interval?: number; timeout?: number };

async function setup(t: Teardown, specs: Spec[], log: Logger = silentLogger) {
  const dir = await tempDir(t, "comin-fetcher-");
  const remotes: RemoteConfig[] = [];
  const upstreams: Record<string, UpstreamRepo> = {};
  for (const spec of specs) {
    const upstream = await UpstreamRepo.create(path.join(dir, "srv", `${spec.name}.git`));
    await upstream.commit("main");
    upstreams[spec.name] = upstream;
    remotes.push(Remote.parse({ name: spec.name, url: spec.url ?? upstream.url, timeout: spec.timeout ?? 60, poll: { interval: spec.interval ?? 3600 } }));
  }
  const repo = await GitRepository.open(path.join(dir, "repository"), silentLogger);
  await repo.syncRemotes(remotes);
  const rounds: FetchOutcome[][] = [];
  const fetcher = new Fetcher({ repo, remotes, log, onFetched: (outcomes) => void rounds.push(outcomes) });
  t.teardown(() => fetcher.stop());
  return { dir, repo, fetcher, rounds, upstreams };
}

const names = (round: FetchOutcome[] | undefined) => (round ?? []).map((outcome) => outcome.remote);

test("the first fetch of every remote happens at start, not one period later", async (t) => {
  const { fetcher, rounds, repo, upstreams } = await setup(t, [{ name: "a" }, { name: "b" }]);

  fetcher.start();
  await waitFor(() => rounds.length === 1, { message: "no fetch after start" });

  t.deepEqual(plain(rounds[0]), [
    { remote: "a", ok: true, error: null },
    { remote: "b", ok: true, error: null },
  ]);
  t.is(await remoteHead(repo, "b", "main"), (await upstreams.b?.head("main")) ?? "missing");
});

test("requests arriving during a fetch coalesce into one next fetch of their union", async (t) => {
  const dir = await tempDir(t, "comin-fetcher-srv-");
  const slowRepo = await UpstreamRepo.create(path.join(dir, "slow.git"));
  await slowRepo.commit("main");
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const server = await startGitHttpServer(t, dir, { beforeResponse: () => gate });
  const { fetcher, rounds } = await setup(t, [{ name: "slow", url: server.url("slow.git") }, { name: "b" }, { name: "c" }]);
  const first = fetcher.request(["slow"]);
  await waitFor(() => server.requests.length > 0, { message: "the slow fetch never reached its server" });

  const duringFetch = fetcher.fetching;
  const requests = [fetcher.request(["b"]), fetcher.request(["c"]), fetcher.request(["b"])];
  release();
  const [b, c, bAgain] = await Promise.all(requests);
  const slow = await first;

  t.true(duringFetch);
  t.deepEqual(rounds.map(names), [["slow"], ["b", "c"]]);
  t.deepEqual(plain(slow), [{ remote: "slow", ok: true, error: null }]);
  t.deepEqual(plain(b), [{ remote: "b", ok: true, error: null }]);
  t.deepEqual(plain(c), [{ remote: "c", ok: true, error: null }]);
  t.deepEqual(plain(bAgain), plain(b));
  t.false(fetcher.fetching);
});

test("a remote with interval 0 has no timer, while one with an interval is polled", async (t) => {
  const { fetcher, rounds } = await setup(t, [{ name: "manual", interval: 0 }, { name: "polled", interval: 1 }]);

  fetcher.start();
  await waitFor(() => rounds.length >= 3, { timeoutMs: 15_000, message: "the polled remote was not fetched twice by its timer" });

  t.deepEqual(names(rounds[0]), ["manual", "polled"]);
  t.deepEqual(rounds.slice(1).map(names), rounds.slice(1).map(() => ["polled"]));
});

test("a hung remote fails at its timeout without holding back the others of its round", async (t) => {
  const silent = await startSilentServer(t);
  const { fetcher } = await setup(t, [{ name: "hung", url: silent.gitUrl("x.git"), timeout: 1 }, { name: "healthy" }]);
  const started = Date.now();

  const outcomes = await fetcher.request();

  t.true(Date.now() - started < 8000);
  t.deepEqual(plain(outcomes), [
    { remote: "hung", ok: false, error: "git fetch hung timed out after 1s" },
    { remote: "healthy", ok: true, error: null },
  ]);
});

test("a failed fetch is logged as a warning with the remote and git's reason; a successful one is not", async (t) => {
  const lines: { level: string; msg: string; remote?: string; error?: string }[] = [];
  const log = createLogger({ level: "debug", write: (line) => lines.push(JSON.parse(line) as (typeof lines)[number]) });
  const { fetcher } = await setup(t, [{ name: "healthy" }, { name: "gone", url: "/nonexistent/fleet.git" }], log);

  await fetcher.request();

  const warnings = lines.filter((line) => line.level === "warn");
  t.deepEqual(warnings.map(({ msg, remote }) => ({ msg, remote })), [{ msg: "fetch failed", remote: "gone" }]);
  t.regex(warnings[0]?.error ?? "", /^git fetch gone failed: .*nonexistent/);
});

test("stop() aborts the running fetch, and later requests are answered without fetching", async (t) => {
  const silent = await startSilentServer(t);
  const { fetcher, rounds } = await setup(t, [{ name: "hung", url: silent.gitUrl("x.git"), timeout: 300 }]);
  const pending = fetcher.request();
  await waitFor(() => silent.accepted === 1, { message: "git never connected" });
  const started = Date.now();

  await fetcher.stop();
  const outcomes = await pending;
  const afterStop = await fetcher.request(["hung"]);

  t.true(Date.now() - started < 5000);
  t.deepEqual(plain(outcomes), [{ remote: "hung", ok: false, error: "git fetch hung was cancelled" }]);
  t.deepEqual(afterStop, [{ remote: "hung", ok: false, error: "the fetcher was stopped" }]);
  t.deepEqual(rounds, [], "no selection runs for a round cut short by stop()");
  t.false(fetcher.fetching);
  await waitFor(() => silent.open === 0, { timeoutMs: 5000, message: "the aborted git still holds its connection" });
});

test("a request for an unknown remote is rejected", async (t) => {
  const { fetcher } = await setup(t, [{ name: "origin" }]);

  await t.throwsAsync(fetcher.request(["nope"]), { message: 'unknown remote "nope" (configured: origin)' });
});
