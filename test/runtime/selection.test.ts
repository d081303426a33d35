/**
 * behaviour.md §3: every listed consequence, driven by facts from real repositories. A `Machine`
 * plays the agent: it fetches, calls gatherAndSelect with what it remembers (baseline, previous
 * candidate, branch statuses, last fetch results) and remembers the result.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import test from "ava";
import { Remote, type RemoteConfig } from "../../dsl/schema.js";
import { GitRepository } from "../../runtime/git/repository.js";
import { SignatureVerifier } from "../../runtime/git/signatures.js";
import { silentLogger } from "../../runtime/log.js";
import { gatherAndSelect, selectCandidate, type SelectionResult } from "../../runtime/selection.js";
import type { Candidate } from "../../runtime/types.js";
import { createGpgKey, createSshKey, git, tempDir, UpstreamRepo, writeAllowedSigners, type GpgKey, type SshKey, type Teardown } from "../helpers/git.js";

const TESTING = "testing-web1";

class Machine {
  baseline: string | null = null;
  previous: Candidate | null = null;
  branches: SelectionResult["branches"] = {};
  readonly fetchOk: Record<string, boolean> = {};

  constructor(
    readonly repo: GitRepository,
    readonly remotes: RemoteConfig[],
    readonly verifier: SignatureVerifier | null,
  ) {}

  /** One round: fetch `only` (all remotes by default), then select. */
  async round(only?: string[]): Promise<SelectionResult> {
    for (const remote of this.remotes.filter((r) => only === undefined || only.includes(r.name))) {
      try {
        await this.repo.fetch(remote);
        this.fetchOk[remote.name] = true;
      } catch {
        this.fetchOk[remote.name] = false;
      }
    }
    const result = await gatherAndSelect({
      repo: this.repo,
      remotes: this.remotes,
      fetchOk: { ...this.fetchOk },
      baseline: this.baseline,
      previous: this.previous,
      previousBranches: this.branches,
      verifier: this.verifier,
    });
    this.baseline = result.baseline;
    this.previous = result.candidate;
    this.branches = { ...this.branches, ...result.branches };
    return result;
  }

  /** A new agent process: only the persisted baseline survives. */
  async restart(): Promise<Machine> {
    const machine = new Machine(await GitRepository.open(this.repo.dir, silentLogger), this.remotes, this.verifier);
    machine.baseline = this.baseline;
    return machine;
  }
}

interface RemoteSpec {
  name: string;
  allowForcePush?: boolean;
  testing?: string | null;
}

async function setup(t: Teardown, specs: RemoteSpec[] = [{ name: "origin" }], verifier: SignatureVerifier | null = null) {
  const dir = await tempDir(t, "comin-sel-");
  const upstreams: Record<string, UpstreamRepo> = {};
  const remotes: RemoteConfig[] = [];
  for (const spec of specs) {
    const upstream = await UpstreamRepo.create(path.join(dir, `${spec.name}.git`));
    upstreams[spec.name] = upstream;
    remotes.push(
      Remote.parse({
        name: spec.name,
        url: upstream.url,
        branches: { main: { allowForcePush: spec.allowForcePush ?? false }, testing: { name: spec.testing === undefined ? TESTING : spec.testing } },
      }),
    );
  }
  const repo = await GitRepository.open(path.join(dir, "repository"), silentLogger);
  await repo.syncRemotes(remotes);
  const upstream = (name: string): UpstreamRepo => {
    const found = upstreams[name];
    if (!found) throw new Error(`no upstream ${name}`);
    return found;
  };
  return { dir, upstream, machine: new Machine(repo, remotes, verifier) };
}

const main = (commit: string, remote = "origin") => ({ commit, remote, branch: "main", isTesting: false });
const testing = (commit: string, remote = "origin") => ({ commit, remote, branch: TESTING, isTesting: true });
const picked = (result: SelectionResult) =>
  result.candidate && { commit: result.candidate.commit, remote: result.candidate.remote, branch: result.candidate.branch, isTesting: result.candidate.isTesting };

// ---------------------------------------------------------------------------- main

test("main advancing: selected as main, with its message, and the baseline moves", async (t) => {
  const { upstream, machine } = await setup(t);
  const a = await upstream("origin").commit("main", { message: "first\n" });
  const first = await machine.round();
  const b = await upstream("origin").commit("main", { message: "second: $(reboot)\n" });

  const second = await machine.round();

  t.deepEqual(picked(first), main(a));
  t.is(first.baseline, a);
  t.deepEqual(picked(second), main(b));
  t.is(second.baseline, b);
  t.is(second.candidate?.message, "second: $(reboot)\n");
  t.deepEqual(second.branches.origin?.main, { name: "main", commit: b, error: null });
});

test("main advancing by one commit: its parent is the baseline, read from the commit object (no merge-base)", async (t) => {
  const { upstream, machine } = await setup(t);
  await upstream("origin").commit("main", { message: "first\n" });
  await machine.round();
  for (const message of ["second\n", "third\n", "fourth\n"]) await upstream("origin").commit("main", { message });
  const asked: string[] = [];
  const isAncestor = machine.repo.isAncestor.bind(machine.repo);
  machine.repo.isAncestor = (ancestor, descendant) => {
    asked.push(`${ancestor} ${descendant}`);
    return isAncestor(ancestor, descendant);
  };
  await machine.round(); // d, three commits ahead of the baseline: merge-base answers
  const merged = asked.length;
  const e = await upstream("origin").commit("main", { message: "fifth\n" });

  const result = await machine.round();

  t.true(merged > 0, "ground truth: several commits ahead is asked to git");
  t.is(asked.length, merged);
  t.deepEqual(picked(result), main(e));
  t.is(result.baseline, e);
  t.is(result.candidate?.message, "fifth\n");
});

test("main force-pushed: refused with a visible error, and the previous selection is kept", async (t) => {
  const { upstream, machine } = await setup(t);
  const a = await upstream("origin").commit("main");
  const b = await upstream("origin").commit("main");
  await machine.round();
  const rewritten = await upstream("origin").commit("main", { parent: a, message: "rewritten" });

  const result = await machine.round();

  t.deepEqual(picked(result), main(b));
  t.is(result.baseline, b);
  t.is(result.branches.origin?.main.error, `main was reset: ${rewritten} is not on top of ${b}`);
});

test("main moved back to an ancestor: refused as behind the baseline with the count, not as a reset", async (t) => {
  const { upstream, machine } = await setup(t);
  const a = await upstream("origin").commit("main");
  await upstream("origin").commit("main");
  const c = await upstream("origin").commit("main");
  await machine.round();
  await upstream("origin").setBranch("main", a);

  const result = await machine.round();

  t.deepEqual(picked(result), main(c));
  t.is(result.baseline, c);
  t.is(result.branches.origin?.main.error, `main is behind the baseline (2 commits): ${a} is an ancestor of ${c}`);
});

test("main force-pushed: the refusal survives a restart (the baseline is persisted)", async (t) => {
  const { upstream, machine } = await setup(t);
  await upstream("origin").commit("main");
  const b = await upstream("origin").commit("main");
  await machine.round();
  await upstream("origin").setBranch("main", await upstream("origin").commitTree(null, { message: "another history" }));
  await machine.round();
  const restarted = await machine.restart();

  const result = await restarted.round();

  t.is(result.candidate, null);
  t.is(result.baseline, b);
  t.regex(result.branches.origin?.main.error ?? "", new RegExp(`^main was reset: [0-9a-f]{40} is not on top of ${b}$`));
});

test("main force-pushed with allowForcePush: accepted, and it becomes the baseline", async (t) => {
  const { upstream, machine } = await setup(t, [{ name: "origin", allowForcePush: true }]);
  const a = await upstream("origin").commit("main");
  await upstream("origin").commit("main");
  await machine.round();
  await upstream("origin").setBranch("main", a);

  const result = await machine.round();

  t.deepEqual(picked(result), main(a));
  t.is(result.baseline, a);
  t.is(result.branches.origin?.main.error, null);
});

// ---------------------------------------------------------------------------- testing

test("testing ahead of main: preferred, as testing", async (t) => {
  const { upstream, machine } = await setup(t);
  const a = await upstream("origin").commit("main");
  const b = await upstream("origin").commit(TESTING, { parent: a });

  const result = await machine.round();

  t.deepEqual(picked(result), testing(b));
  t.is(result.baseline, a);
  t.deepEqual(result.branches.origin?.testing, { name: TESTING, commit: b, error: null });
});

test("testing reset back onto main: main is selected again", async (t) => {
  const { upstream, machine } = await setup(t);
  const a = await upstream("origin").commit("main");
  await upstream("origin").commit(TESTING, { parent: a });
  const before = await machine.round();
  await upstream("origin").setBranch(TESTING, a);

  const result = await machine.round();

  t.true(before.candidate?.isTesting);
  t.deepEqual(picked(result), main(a));
});

test("testing behind main or diverged from it: refused", async (t) => {
  const { upstream, machine } = await setup(t);
  const a = await upstream("origin").commit("main");
  const b = await upstream("origin").commit("main");
  await upstream("origin").setBranch(TESTING, a);
  const behind = await machine.round();
  await upstream("origin").commit(TESTING, { parent: a });

  const diverged = await machine.round();

  for (const result of [behind, diverged]) {
    t.deepEqual(picked(result), main(b));
    t.is(result.branches.origin?.testing.error, `testing is not on top of main (${b})`);
  }
});

test("main fast-forwarded onto testing's commit: the same commit is now selected as main", async (t) => {
  const { upstream, machine } = await setup(t);
  const a = await upstream("origin").commit("main");
  const b = await upstream("origin").commit(TESTING, { parent: a });
  const before = await machine.round();
  await upstream("origin").setBranch("main", b);

  const result = await machine.round();

  t.deepEqual(picked(before), testing(b));
  t.deepEqual(picked(result), main(b));
  t.is(result.baseline, b);
});

test("no main anywhere and no baseline: a testing branch may still be selected", async (t) => {
  const { upstream, machine } = await setup(t);
  const x = await upstream("origin").commit(TESTING);

  const result = await machine.round();

  t.deepEqual(picked(result), testing(x));
  t.is(result.baseline, null);
  t.is(result.branches.origin?.main.error, "branch origin/main does not exist");
});

// ---------------------------------------------------------------------------- several remotes

test("several remotes: the order is the priority", async (t) => {
  const { upstream, machine } = await setup(t, [{ name: "first" }, { name: "second" }]);
  const a = await upstream("first").commit("main");
  await sharedHistory(upstream("first"), upstream("second"), a);
  await machine.round();
  const fromFirst = await upstream("first").commit("main", { parent: a });
  await upstream("second").commit("main", { parent: a });

  const result = await machine.round();

  t.deepEqual(picked(result), main(fromFirst, "first"));
});

test("several remotes: the first remote that advances wins, and one behind the new baseline is refused as behind, not reset", async (t) => {
  const { upstream, machine } = await setup(t, [{ name: "first" }, { name: "second" }]);
  const a = await upstream("first").commit("main");
  await sharedHistory(upstream("first"), upstream("second"), a);
  await machine.round();
  const ahead = await upstream("second").commit("main", { parent: a });
  const advanced = await machine.round();

  const next = await machine.round();

  t.deepEqual(picked(advanced), main(ahead, "second"));
  t.is(advanced.baseline, ahead);
  t.deepEqual(picked(next), main(ahead, "second"));
  t.is(next.branches.first?.main.error, `main is behind the baseline (1 commit): ${a} is an ancestor of ${ahead}`);
});

/** Makes `sha` of `from` the main branch of `to` (same object id: the same history on two forges). */
async function sharedHistory(from: UpstreamRepo, to: UpstreamRepo, sha: string): Promise<void> {
  await git(to.dir, ["fetch", "--quiet", from.url, "+refs/heads/main:refs/heads/shared"]);
  await git(to.dir, ["update-ref", "refs/heads/main", sha]);
}

test("several remotes: a testing branch of one remote may sit on a main that came from another", async (t) => {
  const { upstream, machine } = await setup(t, [{ name: "first" }, { name: "second" }]);
  const a = await upstream("first").commit("main");
  await sharedHistory(upstream("first"), upstream("second"), a);
  const c = await upstream("second").commit(TESTING, { parent: a });

  const result = await machine.round();

  t.deepEqual(picked(result), testing(c, "second"));
  t.is(result.baseline, a);
});

test("several remotes: a remote that is down does not block the others, and keeps its statuses", async (t) => {
  const { upstream, machine } = await setup(t, [{ name: "first" }, { name: "second" }]);
  const a = await upstream("first").commit("main");
  await sharedHistory(upstream("first"), upstream("second"), a);
  const before = await machine.round();
  await rm(upstream("first").dir, { recursive: true });
  const b = await upstream("second").commit("main", { parent: a });

  const result = await machine.round();

  t.false(machine.fetchOk.first);
  t.deepEqual(picked(result), main(b, "second"));
  t.deepEqual(result.branches.first, before.branches.first);
});

test("several remotes: fetching a subset uses the other remotes' previous refs", async (t) => {
  const { upstream, machine } = await setup(t, [{ name: "first" }, { name: "second" }]);
  const a = await upstream("first").commit("main");
  await sharedHistory(upstream("first"), upstream("second"), a);
  await machine.round();
  const b = await upstream("first").commit("main", { parent: a });
  const c = await upstream("first").commit(TESTING, { parent: a });
  const d = await upstream("second").commit(TESTING, { parent: a });

  const partial = await machine.round(["second"]);
  const full = await machine.round(["first"]);

  t.is(partial.branches.first?.main.commit, a, "first's stale ref is used");
  t.deepEqual(picked(partial), testing(d, "second"));
  t.deepEqual(picked(full), main(b, "first"));
  t.deepEqual(full.branches.first?.testing, { name: TESTING, commit: c, error: `testing is not on top of main (${b})` });
  t.is(full.branches.second?.testing.error, `testing is not on top of main (${b})`);
});

// ---------------------------------------------------------------------------- signatures

interface Keys {
  alice: GpgKey;
  mallory: GpgKey;
  bob: SshKey;
  allowedSigners: string;
}

const cleanups: Array<() => Promise<void> | void> = [];
let keys: Keys;

test.before(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "comin-sel-keys-"));
  const teardown = { teardown: (fn: () => Promise<void> | void) => cleanups.push(fn) };
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const [alice, mallory, bob] = await Promise.all([createGpgKey(teardown, dir, "Alice"), createGpgKey(teardown, dir, "Mallory"), createSshKey(dir, "bob@example.test")]);
  keys = { alice, mallory, bob, allowedSigners: await writeAllowedSigners(path.join(dir, "allowed_signers"), [bob]) };
});

test.after.always(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function trusting(t: Teardown): Promise<SignatureVerifier> {
  const dir = await tempDir(t, "comin-sel-trust-");
  return SignatureVerifier.create({ gpgPublicKeyFiles: [keys.alice.publicKeyFile], sshAllowedSignersFile: keys.allowedSigners }, dir, silentLogger);
}

test("signatures: a signed main head is accepted (GPG), with its signer", async (t) => {
  const { upstream, machine } = await setup(t, undefined, await trusting(t));
  const a = await upstream("origin").commit("main", { signer: keys.alice });

  const result = await machine.round();

  t.deepEqual(picked(result), main(a));
  t.is(result.candidate?.signed, true);
  t.is(result.candidate?.signedBy, "Alice <alice@example.test>");
});

test("signatures: a signed main head is accepted (SSH), with its signer", async (t) => {
  const { upstream, machine } = await setup(t, undefined, await trusting(t));
  const a = await upstream("origin").commit("main", { signer: keys.bob });

  const result = await machine.round();

  t.deepEqual(picked(result), main(a));
  t.is(result.candidate?.signed, true);
  t.is(result.candidate?.signedBy, "bob@example.test");
});

test("signatures: an unsigned main head is refused and does not move the baseline", async (t) => {
  const { upstream, machine } = await setup(t, undefined, await trusting(t));
  const a = await upstream("origin").commit("main", { signer: keys.alice });
  await machine.round();
  const unsigned = await upstream("origin").commit("main");

  const refused = await machine.round();
  const c = await upstream("origin").commit("main", { signer: keys.bob });
  const next = await machine.round();

  t.deepEqual(picked(refused), main(a));
  t.is(refused.baseline, a);
  t.is(refused.branches.origin?.main.error, `commit ${unsigned} is not signed by a trusted key`);
  t.deepEqual(picked(next), main(c), "a signed commit on top of the unsigned one is accepted: nothing is wedged");
  t.is(next.baseline, c);
});

test("signatures: a head signed by an untrusted key is refused", async (t) => {
  const { upstream, machine } = await setup(t, undefined, await trusting(t));
  const x = await upstream("origin").commit("main", { signer: keys.mallory });

  const result = await machine.round();

  t.is(result.candidate, null);
  t.is(result.baseline, null);
  t.is(result.branches.origin?.main.error, `commit ${x} is not signed by a trusted key`);
});

test("signatures: an unsigned testing head is refused", async (t) => {
  const { upstream, machine } = await setup(t, undefined, await trusting(t));
  const a = await upstream("origin").commit("main", { signer: keys.alice });
  const b = await upstream("origin").commit(TESTING, { parent: a });

  const result = await machine.round();

  t.deepEqual(picked(result), main(a));
  t.is(result.branches.origin?.testing.error, `commit ${b} is not signed by a trusted key`);
});

// ---------------------------------------------------------------------------- the pure function

test("selectCandidate: nothing valid keeps the previous candidate and the statuses of skipped remotes", (t) => {
  const previous: Candidate = { commit: "a".repeat(40), remote: "origin", branch: "main", isTesting: false, signed: null, signedBy: null, message: "m" };
  const kept = { main: { name: "main", commit: "c".repeat(40), error: null }, testing: { name: TESTING, commit: null, error: null } };

  const result = selectCandidate({
    remotes: [
      { name: "origin", fetchOk: true, main: { name: "main", head: null, allowForcePush: false }, testing: { name: null, head: null } },
      { name: "down", fetchOk: false, main: { name: "main", head: "d".repeat(40), allowForcePush: false }, testing: { name: TESTING, head: null } },
    ],
    baseline: "a".repeat(40),
    previous,
    previousBranches: { down: kept },
    isOnTop: () => true,
    signatures: null,
  });

  t.is(result.candidate, previous);
  t.is(result.baseline, "a".repeat(40));
  t.deepEqual(result.branches.down, kept);
  t.deepEqual(result.branches.origin, { main: { name: "main", commit: null, error: "branch origin/main does not exist" }, testing: { name: null, commit: null, error: null } });
});
