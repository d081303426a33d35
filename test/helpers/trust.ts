/**
 * Keys and verifiers shared by the signature-gate tests: Alice (GPG, trusted), Mallory (GPG, not
 * trusted), Bob (SSH, allowed signer), Eve (SSH, not allowed); `verifierIn` builds a real
 * SignatureVerifier; `gitSays` asks git directly what the verifier's git will see, so that a test
 * shows the attack is real (git accepts it) before showing that the gate does not.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestFn } from "ava";
import { execa } from "execa";
import { SignatureVerifier } from "../../runtime/git/signatures.js";
import { silentLogger } from "../../runtime/log.js";
import { createGpgKey, createSshKey, writeAllowedSigners, type GpgKey, type SshKey } from "./keys.js";
import { tempDir, type Teardown } from "./temp.js";

export interface TestKeys {
  dir: string;
  alice: GpgKey;
  mallory: GpgKey;
  bob: SshKey;
  eve: SshKey;
  /** Allows Bob only. */
  allowedSigners: string;
}

export type Trust = { gpgPublicKeyFiles: string[]; sshAllowedSignersFile: string | null };

/** Registers hooks making the keys once for the file; call the result inside tests. */
export function useTestKeys(test: TestFn): () => TestKeys {
  let keys: TestKeys | undefined;
  const cleanups: Array<() => Promise<void> | void> = [];
  test.before(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "comin-sig-"));
    const teardown = { teardown: (fn: () => Promise<void> | void) => cleanups.push(fn) };
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const [alice, mallory, bob, eve] = await Promise.all([
      createGpgKey(teardown, dir, "Alice"),
      createGpgKey(teardown, dir, "Mallory"),
      createSshKey(dir, "bob@example.test"),
      createSshKey(dir, "eve@example.test"),
    ]);
    keys = { dir, alice, mallory, bob, eve, allowedSigners: await writeAllowedSigners(path.join(dir, "allowed_signers"), [bob]) };
  });
  test.after.always(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  return () => {
    if (!keys) throw new Error("the test keys are made in test.before");
    return keys;
  };
}

export interface VerifierUnderTest {
  verifier: SignatureVerifier;
  /** Its work directory: `gnupg/` and `allowed_signers` inside. */
  dir: string;
  trust: Trust;
}

export async function verifierIn(t: Teardown, trust: Trust, now?: () => Date): Promise<VerifierUnderTest> {
  const dir = await tempDir(t, "comin-trust-");
  return { verifier: await SignatureVerifier.create(trust, dir, silentLogger, now), dir, trust };
}

/** git's own answer (`%G?`, `%GS`, `%GF`) with the verifier's keyring and allowed signers. */
export async function gitSays(repoDir: string, sha: string, under: VerifierUnderTest): Promise<{ letter: string; signer: string; fingerprint: string }> {
  const allowed = under.trust.sshAllowedSignersFile === null ? "/dev/null" : path.join(under.dir, "allowed_signers");
  const result = await execa("git", ["-c", `gpg.ssh.allowedSignersFile=${allowed}`, "log", "-1", "--format=%G?%x00%GS%x00%GF", sha], {
    cwd: repoDir,
    env: { GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_DIR: repoDir, GNUPGHOME: path.join(under.dir, "gnupg") },
    stdin: "ignore",
  });
  const [letter = "", signer = "", fingerprint = ""] = String(result.stdout).split("\0");
  return { letter, signer, fingerprint };
}
