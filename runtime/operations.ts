/**
 * The activation operations (`switch`, `test`, `boot`) as a runtime list: the daemon checks state
 * and request bodies against it without loading the DSL's zod schema (issue 15). The DSL's
 * `Operation` stays the reference: `tsc` fails below when the two lists differ.
 */
import type { OperationName } from "../dsl/schema.js";

export const OPERATIONS = ["switch", "test", "boot"] as const;

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const sameAsTheDsl: Same<(typeof OPERATIONS)[number], OperationName> = true;
void sameAsTheDsl;
