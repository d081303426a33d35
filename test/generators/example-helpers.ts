/** Where the examples and the committed generated files are, seen from dist/test/generators. */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const EXAMPLES = path.join(REPO, "examples");
export const FIXTURES = path.join(REPO, "test", "fixtures", "configs");

export function exampleConfig(name: string): string {
  return path.join(EXAMPLES, name, "comin.config.ts");
}

/** The committed golden files of an example, by name. */
export function expectedFiles(name: string): Map<string, string> {
  const dir = path.join(EXAMPLES, name, "expected");
  return new Map(readdirSync(dir).sort().map((file) => [file, readFileSync(path.join(dir, file), "utf8")]));
}

export const EXAMPLE_NAMES = ["fleet", "health", "prebuilt", "signed-nix", "single"] as const;
