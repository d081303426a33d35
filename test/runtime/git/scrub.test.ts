/**
 * One-line summaries of git's stderr: ssh's reasons are kept next to git's `fatal:` lines (the
 * texts below are what OpenSSH 9.2 and git 2.39 print), credentials are never in them.
 */
import test from "ava";
import { stderrSummary } from "../../../runtime/git/scrub.js";

const GIT_TAIL = "fatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n";

test("a changed host key keeps ssh's warning, without its decoration", (t) => {
  const stderr = [
    "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
    "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @",
    "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
    "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!",
    "Host key for [git.example.test]:2222 has changed and you have requested strict checking.",
    "Host key verification failed.",
    GIT_TAIL,
  ].join("\n");

  t.is(
    stderrSummary(stderr),
    "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!; Host key for [git.example.test]:2222 has changed and you have requested strict checking.; Host key verification failed.; fatal: Could not read from remote repository.",
  );
});

test("a key ssh could not use keeps ssh's reason before git's", (t) => {
  const missing = `Warning: Identity file /run/secrets/deploy-key not accessible: No such file or directory.\ngit@git.example.test: Permission denied (publickey).\n${GIT_TAIL}`;
  const refused = `ssh: connect to host git.example.test port 22: Connection refused\n${GIT_TAIL}`;

  t.is(stderrSummary(missing), "Warning: Identity file /run/secrets/deploy-key not accessible: No such file or directory.; git@git.example.test: Permission denied (publickey).; fatal: Could not read from remote repository.");
  t.is(stderrSummary(refused), "ssh: connect to host git.example.test port 22: Connection refused; fatal: Could not read from remote repository.");
});

test("without ssh, git's fatal and error lines are kept and hints dropped", (t) => {
  t.is(stderrSummary("hint: try this\nerror: cannot lock ref 'refs/remotes/origin/main'\nfatal: the remote end hung up\n"), "error: cannot lock ref 'refs/remotes/origin/main'; fatal: the remote end hung up");
  t.is(stderrSummary("one\ntwo\nthree\nfour\n"), "two; three; four");
});
