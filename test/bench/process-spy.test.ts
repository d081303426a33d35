import test from "ava";
import { readFile } from "node:fs/promises";
import { execa } from "execa";
import { createProcessSpy, isEvaluation, nixSubcommand, parseSpyLog, SpyError } from "../../bench/process-spy.js";
import { tempDir } from "../helpers/temp.js";

test("a wrapped program first on PATH is logged with its parent and argv, then really runs", async (t) => {
  const dir = await tempDir(t, "comin-bench-spy-");
  const spy = await createProcessSpy(dir, ["git"]);

  const result = await execa("git", ["--version"], { env: { PATH: `${spy.binDir}:${process.env.PATH ?? ""}` } });
  const calls = await spy.calls();

  t.regex(String(result.stdout), /^git version /);
  t.deepEqual(calls, [{ program: "git", ppid: process.pid, args: ["--version"] }]);
});

test("arguments with newlines and spaces survive the log", (t) => {
  const text = ["nix", "77", "3", "eval", "--apply", "c: {\n  drv = c;\n}", "nix-store", "77", "1", "--realise"].map((field) => `${field}\0`).join("");

  const calls = parseSpyLog(text);

  t.deepEqual(calls, [
    { program: "nix", ppid: 77, args: ["eval", "--apply", "c: {\n  drv = c;\n}"] },
    { program: "nix-store", ppid: 77, args: ["--realise"] },
  ]);
  t.throws(() => parseSpyLog("nix\x0077\x005\x00eval\x00"), { instanceOf: SpyError });
});

test("evaluations are told from other Nix calls by program and subcommand", (t) => {
  const flags = ["--extra-experimental-features", "nix-command flakes"];

  t.is(nixSubcommand([...flags, "--option", "substituters", "", "eval", "--json", "x"]), "eval");
  t.true(isEvaluation({ program: "nix", ppid: 1, args: [...flags, "eval", "--json", "x"] }));
  t.true(isEvaluation({ program: "nix", ppid: 1, args: ["derivation", "show", "x"] }));
  t.true(isEvaluation({ program: "nix-instantiate", ppid: 1, args: ["-A", "x"] }));
  t.false(isEvaluation({ program: "nix-store", ppid: 1, args: ["--realise", "/nix/store/x.drv"] }));
  t.false(isEvaluation({ program: "nix", ppid: 1, args: ["--version"] }));
  t.false(isEvaluation({ program: "git", ppid: 1, args: ["eval"] }));
});

test("a spy log file is empty until something runs", async (t) => {
  const dir = await tempDir(t, "comin-bench-spy-");

  const spy = await createProcessSpy(dir);

  t.is(await readFile(spy.logFile, "utf8"), "");
  t.deepEqual(await spy.calls(), []);
});
