/**
 * `comin completion bash|zsh|fish` and `comin man` (issue 14.10), from the built CLI: each script
 * passes its shell's syntax check and completes real subcommands and option choices; the man page
 * renders with man-db and names every command; the Nix package installs them.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { execa } from "execa";
import { CLI, tempDir } from "../../helpers/daemon.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

async function generated(t: Parameters<typeof tempDir>[0], args: string[], name: string): Promise<string> {
  const dir = await tempDir(t, "comin-completion-");
  const file = path.join(dir, name);
  const { stdout } = await execa(process.execPath, [CLI, ...args], { stdin: "ignore", stripFinalNewline: false });
  await writeFile(file, stdout);
  return file;
}

test("bash: the script parses and completes subcommands, and an option's choices", async (t) => {
  const file = await generated(t, ["completion", "bash"], "comin.bash");
  const complete = (line: string) =>
    execa("bash", ["-c", `source ${file}; COMP_WORDS=(${line}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _comin; echo "\${COMPREPLY[*]}"`]).then((r) => r.stdout);

  await execa("bash", ["-n", file]);
  t.is(await complete(`comin deployment ""`), "list latest submit-latest --help");
  t.is(await complete(`comin deployment submit-latest --socket /run/x.sock --operation ""`), "switch test boot");
  t.is(await complete(`comin pl`), "plan");
  t.is(await complete(`comin status --socket /run/x.sock ""`), "--json --oneline --socket --config --help", "an option's value is not a subcommand");
  t.is(await complete(`comin completion ""`), "--help");
});

test("zsh: the script parses and offers the same words", async (t) => {
  const file = await generated(t, ["completion", "zsh"], "_comin");

  await execa("zsh", ["-n", file]);
  const { stdout } = await execa("zsh", ["-f", "-c", `compdef() { :; }; compadd() { shift; print -l -- "$@"; }; _files() { print FILES; }; source ${file}; words=(comin status ""); CURRENT=3; _comin`]);

  t.deepEqual(stdout.split("\n").sort(), ["--config", "--help", "--json", "--oneline", "--socket"]);
});

test("fish: the script parses and completes subcommands with their descriptions", async (t) => {
  const file = await generated(t, ["completion", "fish"], "comin.fish");

  await execa("fish", ["-n", file]);
  const { stdout } = await execa("fish", ["-c", `source ${file}; complete -C"comin deployment "`]);

  t.deepEqual(stdout.split("\n").map((line) => line.split("\t")[0]).sort(), ["latest", "list", "submit-latest"]);
});

test("the man page renders with man -l and documents every command and the exit codes", async (t) => {
  const file = await generated(t, ["man"], "comin.1");

  const { stdout, stderr } = await execa("man", ["-l", file], { env: { MANWIDTH: "100", MAN_KEEP_FORMATTING: "", GROFF_NO_SGR: "1", MANPAGER: "cat", PAGER: "cat" } });

  t.is(stderr, "", "groff has no warning");
  for (const command of ["run", "generate", "validate", "status", "plan", "fetch", "suspend", "resume", "deployment list", "confirmation accept", "events", "completion", "man"]) {
    t.regex(stdout, new RegExp(`^ {3}comin ${command}\\b`, "m"), command);
  }
  t.regex(stdout, /^EXIT STATUS$/m);
  t.regex(stdout, /--log-format format/);
});

test("the Nix package installs the completions and the man page", async (t) => {
  const nix = await readFile(path.join(ROOT, "nix/package.nix"), "utf8");

  t.regex(nix, /"\$out\/bin\/comin" completion bash > "\$out\/share\/bash-completion\/completions\/comin"/);
  t.regex(nix, /"\$out\/bin\/comin" completion zsh > "\$out\/share\/zsh\/site-functions\/_comin"/);
  t.regex(nix, /"\$out\/bin\/comin" completion fish > "\$out\/share\/fish\/vendor_completions.d\/comin.fish"/);
  t.regex(nix, /"\$out\/bin\/comin" man > "\$out\/share\/man\/man1\/comin.1"/);
});
