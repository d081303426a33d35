/**
 * HTTPS remotes signed by a private CA, against a real HTTPS git server: which ways of trusting
 * the CA reach git through the agent's wrapper (run.ts keeps GIT_SSL_* and honours the system
 * config unless GIT_CONFIG_NOSYSTEM is set), and which setting silently turns the checks off.
 * The tests set the agent's environment (process.env), hence serial.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import test, { type ExecutionContext } from "ava";
import { Remote } from "../../../dsl/schema.js";
import { insecureGitEnvironment } from "../../../runtime/git/insecure.js";
import { GitError, GitRepository } from "../../../runtime/git/repository.js";
import { silentLogger } from "../../../runtime/log.js";
import { remoteHead, startGitHttpServer, tempDir, UpstreamRepo } from "../../helpers/git.js";
import { createCertificate } from "../../helpers/tls.js";

const VARIABLES = ["GIT_SSL_CAINFO", "GIT_SSL_NO_VERIFY", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM"] as const;

/** Restores VARIABLES of the agent's environment when the test ends. */
function preserveEnvironment(t: ExecutionContext): void {
  const saved = VARIABLES.map((name) => [name, process.env[name]] as const);
  t.teardown(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}

/** Exactly these of VARIABLES in the agent's environment. */
function setEnvironment(values: Partial<Record<(typeof VARIABLES)[number], string>>): void {
  for (const name of VARIABLES) {
    const value = values[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

async function httpsWorld(t: ExecutionContext) {
  preserveEnvironment(t);
  const dir = await tempDir(t, "comin-tls-");
  const certificate = await createCertificate(dir);
  const upstream = await UpstreamRepo.create(path.join(dir, "srv", "fleet.git"));
  const head = await upstream.commit("main");
  const server = await startGitHttpServer(t, path.join(dir, "srv"), { tls: certificate });
  const repo = await GitRepository.open(path.join(dir, "repository"), silentLogger);
  const origin = Remote.parse({ name: "origin", url: server.url("fleet.git"), timeout: 30 });
  return { dir, certificate, head, repo, origin };
}

test.serial("a remote whose certificate comes from a private CA is refused by default, with git's reason", async (t) => {
  const w = await httpsWorld(t);
  setEnvironment({});

  const error = await t.throwsAsync(w.repo.fetch(w.origin), { instanceOf: GitError });

  t.regex(error?.message ?? "", /git fetch origin failed: fatal: unable to access 'https:\/\/127\.0\.0\.1:\d+\/fleet\.git\/': server certificate verification failed/);
});

test.serial("GIT_SSL_CAINFO in the agent's environment makes git trust a private CA, even with GIT_CONFIG_NOSYSTEM", async (t) => {
  const w = await httpsWorld(t);
  setEnvironment({ GIT_SSL_CAINFO: w.certificate.certFile, GIT_CONFIG_NOSYSTEM: "1" });

  await w.repo.fetch(w.origin);

  t.is(await remoteHead(w.repo, "origin", "main"), w.head);
});

test.serial("http.sslCAInfo in the system git config is honoured, but not under GIT_CONFIG_NOSYSTEM (as the NixOS module runs the agent)", async (t) => {
  const w = await httpsWorld(t);
  // Stands for /etc/gitconfig: the same file git reads as its system config.
  const systemConfig = path.join(w.dir, "gitconfig");
  await writeFile(systemConfig, `[http]\n\tsslCAInfo = ${w.certificate.certFile}\n`);

  setEnvironment({ GIT_CONFIG_SYSTEM: systemConfig, GIT_CONFIG_NOSYSTEM: "1" });
  await t.throwsAsync(w.repo.fetch(w.origin), { message: /server certificate verification failed/ });
  setEnvironment({ GIT_CONFIG_SYSTEM: systemConfig });
  await w.repo.fetch(w.origin);

  t.is(await remoteHead(w.repo, "origin", "main"), w.head);
});

test.serial("GIT_SSL_NO_VERIFY, even empty, turns git's certificate checks off, and is reported as insecure", async (t) => {
  const w = await httpsWorld(t);
  setEnvironment({ GIT_SSL_NO_VERIFY: "" });

  await w.repo.fetch(w.origin);

  t.is(await remoteHead(w.repo, "origin", "main"), w.head, "an untrusted certificate was accepted");
  t.deepEqual(
    insecureGitEnvironment(process.env).map((setting) => setting.variable),
    ["GIT_SSL_NO_VERIFY"],
  );
});

test("insecureGitEnvironment names GIT_SSL_NO_VERIFY whatever its value, and nothing else", (t) => {
  t.deepEqual(insecureGitEnvironment({}), []);
  t.deepEqual(insecureGitEnvironment({ GIT_SSL_CAINFO: "/etc/ssl/private-ca.pem", GIT_SSL_CAPATH: "/etc/ssl/certs", PATH: "/bin" }), []);
  for (const value of ["1", "true", "false", "0", ""]) {
    const [setting, ...more] = insecureGitEnvironment({ GIT_SSL_NO_VERIFY: value });
    t.is(setting?.variable, "GIT_SSL_NO_VERIFY", value);
    t.regex(setting?.effect ?? "", /does not verify the TLS certificates/);
    t.deepEqual(more, []);
  }
});
