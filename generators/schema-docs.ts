/** Reads the documentation that scripts/extract-docs.mjs extracted from the schema's JSDoc. */
import { readFileSync } from "node:fs";
import { GENERATED_FILES } from "./repo-paths.js";

export interface KeyDoc {
  description: string;
  /** The `@default` tag, as written (`"5m"`, `{}`, `null`). */
  default?: string;
  example?: string;
}

/** Keyed `<ExportedVariable>.<key>` (`Remote.timeout`, `Remote.poll.interval`). */
export type SchemaDocs = Readonly<Record<string, KeyDoc>>;

export function loadSchemaDocs(file: string = GENERATED_FILES.docsJson): SchemaDocs {
  return JSON.parse(readFileSync(file, "utf8")) as SchemaDocs;
}
