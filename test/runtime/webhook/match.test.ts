import test from "ava";
import { MAX_URL_LENGTH, matchRemotes, normaliseGitUrl } from "../../../runtime/webhook/match.js";
import { repositoryOf } from "../../../runtime/webhook/payload.js";

test("https, ssh and scp-like spellings of a repository normalise alike", (t) => {
  const forms = [
    "https://github.com/acme/infra.git",
    "https://GitHub.com/acme/infra",
    "https://github.com/acme/infra/",
    "https://token@github.com/acme/infra.git",
    "ssh://git@github.com/acme/infra.git",
    "ssh://git@github.com:22/acme/infra.git",
    "git@github.com:acme/infra.git",
    "git://github.com/acme/infra.git",
  ];

  for (const form of forms) t.is(normaliseGitUrl(form), "github.com/acme/infra", form);
});

test("local paths and file URLs normalise to their path", (t) => {
  t.is(normaliseGitUrl("/srv/git/infra.git"), "/srv/git/infra");
  t.is(normaliseGitUrl("file:///srv/git/infra.git/"), "/srv/git/infra");
});

test("the path keeps its case; only the host is lowercased", (t) => {
  t.is(normaliseGitUrl("https://Git.Example.org/Acme/Infra.git"), "git.example.org/Acme/Infra");
});

test("nonsense is not a URL", (t) => {
  t.is(normaliseGitUrl(""), null);
  t.is(normaliseGitUrl("not a url"), null);
});

const remotes = [
  { name: "origin", url: "git@github.com:acme/infra.git" },
  { name: "mirror", url: "https://git.example.org/ops/infra.git" },
  { name: "local", url: "/srv/git/infra.git" },
];

test("a GitHub push matches the remote with its clone URL in another spelling", (t) => {
  const payload = { repository: { full_name: "acme/other", clone_url: "https://github.com/acme/infra.git", ssh_url: "git@github.com:acme/infra.git" } };

  t.deepEqual(matchRemotes(remotes, repositoryOf(payload)), ["origin"]);
});

test("a GitLab push matches by project URLs", (t) => {
  const payload = { project: { git_http_url: "https://git.example.org/ops/infra.git", git_ssh_url: "git@git.example.org:ops/infra.git", web_url: "https://git.example.org/ops/infra", path_with_namespace: "ops/infra" } };

  t.deepEqual(matchRemotes(remotes, repositoryOf(payload)), ["mirror"]);
});

test("the full name matches when no URL does (a remote reached through another host name)", (t) => {
  const payload = { repository: { full_name: "ops/infra", clone_url: "https://forge.internal/ops/infra.git" } };

  t.deepEqual(matchRemotes(remotes, repositoryOf(payload)), ["mirror"]);
});

test("a push about another repository matches nothing (and nothing is fetched)", (t) => {
  const payload = { repository: { full_name: "acme/website", clone_url: "https://github.com/acme/website.git" } };

  t.deepEqual(matchRemotes(remotes, repositoryOf(payload)), []);
  t.deepEqual(matchRemotes(remotes, repositoryOf({})), []);
});

test("a URL naming one remote wins over a full name shared with a mirror elsewhere", (t) => {
  const twins = [
    { name: "github", url: "git@github.com:acme/infra.git" },
    { name: "mirror", url: "https://git.example.org/acme/infra.git" },
  ];
  const payload = { repository: { full_name: "acme/infra", clone_url: "https://github.com/acme/infra.git" } };

  t.deepEqual(matchRemotes(twins, repositoryOf(payload)), ["github"]);
});

test("a full name without an owner matches nothing (it would name every remote ending in it)", (t) => {
  t.deepEqual(matchRemotes(remotes, repositoryOf({ repository: { full_name: "infra" } })), []);
  t.deepEqual(matchRemotes(remotes, repositoryOf({ project: { path_with_namespace: "/infra.git" } })), []);
});

test("a full name matches whole path segments only", (t) => {
  t.deepEqual(matchRemotes(remotes, repositoryOf({ repository: { full_name: "cme/infra" } })), []);
});

test("hostile URLs: malformed percent-encoding, endless slashes and oversized strings name nothing, without throwing", (t) => {
  t.is(normaliseGitUrl("https://github.com/acme/%E0%A4%A"), null);
  t.is(normaliseGitUrl(`https://github.com/${"/".repeat(MAX_URL_LENGTH)}acme/infra`), null);
  t.is(normaliseGitUrl(`https://github.com/acme/infra${"/".repeat(1000)}`), "github.com/acme/infra");
  t.is(normaliseGitUrl(`/srv/${"/".repeat(1000)}git/infra.git`), "/srv/git/infra");
  const payload = { repository: { full_name: `acme/infra${"/".repeat(MAX_URL_LENGTH)}`, clone_url: `https://github.com/acme/infra${"/".repeat(MAX_URL_LENGTH)}` } };
  t.deepEqual(matchRemotes(remotes, repositoryOf(payload)), []);
});
