/**
 * Where the committed generated files live. The generators run from the compiled tree
 * (`dist/generators/*.js`), so the repository root is two levels up.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export const GENERATED_FILES = {
  docsJson: path.join(REPO_ROOT, "generators", "docs.generated.json"),
  optionsMarkdown: path.join(REPO_ROOT, "docs", "options.md"),
  jsonSchema: path.join(REPO_ROOT, "docs", "comin.schema.json"),
  nixOptions: path.join(REPO_ROOT, "nix", "options.generated.nix"),
  inputTypes: path.join(REPO_ROOT, "dsl", "input-types.generated.ts"),
} as const;

export const EXAMPLES_DIR = path.join(REPO_ROOT, "examples");
