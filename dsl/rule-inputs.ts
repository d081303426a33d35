/**
 * Runs every cross-field rule whose inputs are valid, whatever else is wrong with the
 * configuration: a typo elsewhere must not hide two remotes with the same name. Each rule names
 * the key paths it reads; the schema is projected onto them (same leaf types and defaults,
 * other keys ignored) and the rule runs when that projection parses.
 */
import { z } from "zod";
import type { ConfigIssue } from "./issues.js";
import type { CominConfig } from "./schema.js";

export interface Rule {
  /** Dotted key paths the rule reads (`*` = every element of a list); a path covers its subtree. */
  readonly inputs: readonly string[];
  /**
   * The problems found. On an invalid configuration it gets the projection of its inputs only,
   * typed as the whole configuration: it must read nothing outside `inputs`.
   */
  readonly check: (config: CominConfig) => ConfigIssue[];
}

export class RuleInputError extends Error {
  override readonly name = "RuleInputError";
}

type PathTree = Map<string, PathTree | "all">;

function pathTree(paths: readonly string[]): PathTree {
  const root: PathTree = new Map();
  for (const path of paths) {
    const segments = path.split(".");
    let node = root;
    segments.forEach((segment, index) => {
      const existing = node.get(segment);
      if (existing === "all") return;
      if (index === segments.length - 1) {
        node.set(segment, "all");
        return;
      }
      const next = existing ?? new Map();
      node.set(segment, next);
      node = next;
    });
  }
  return root;
}

/** The part of `type` under `tree`, with the same wrappers (defaults, nullables) on the way. */
function project(type: z.ZodType, tree: PathTree | "all", where: string): z.ZodType {
  if (tree === "all") return type;
  if (type instanceof z.ZodDefault) return project(type.unwrap() as z.ZodType, tree, where).default(type._zod.def.defaultValue);
  if (type instanceof z.ZodPrefault) return project(type.unwrap() as z.ZodType, tree, where).prefault(type._zod.def.defaultValue);
  if (type instanceof z.ZodNullable) return project(type.unwrap() as z.ZodType, tree, where).nullable();
  if (type instanceof z.ZodOptional) return project(type.unwrap() as z.ZodType, tree, where).optional();
  if (type instanceof z.ZodArray) {
    const element = tree.get("*");
    if (!element || tree.size !== 1) throw new RuleInputError(`${where}: a list is followed with "*"`);
    return z.array(project(type.element as z.ZodType, element, `${where}.*`));
  }
  if (type instanceof z.ZodObject) {
    const shape = type.shape as Record<string, z.ZodType>;
    const projected: Record<string, z.ZodType> = {};
    for (const [key, sub] of tree) {
      const child = shape[key];
      if (!child) throw new RuleInputError(`${where}: no key "${key}"`);
      projected[key] = project(child, sub, where ? `${where}.${key}` : key);
    }
    // Not strict: unknown keys are reported by the full parse, not by every rule again.
    return z.object(projected);
  }
  throw new RuleInputError(`${where}: cannot look inside a ${type._zod.def.type}`);
}

/** The schema of a rule's inputs, inside `schema` (RuntimeConfig). */
export function inputSchema(schema: z.ZodType, inputs: readonly string[]): z.ZodType {
  return project(schema, pathTree(inputs), "");
}

/** Runs each rule on the projection of `input` onto its inputs, when that projection parses. */
export function checkRulesOnValidInputs(schema: z.ZodType, rules: readonly Rule[], input: unknown): ConfigIssue[] {
  return rules.flatMap((rule) => {
    const parsed = projections(schema, rule).safeParse(input);
    return parsed.success ? rule.check(parsed.data as CominConfig) : [];
  });
}

const cache = new WeakMap<Rule, z.ZodType>();

function projections(schema: z.ZodType, rule: Rule): z.ZodType {
  let projected = cache.get(rule);
  if (!projected) {
    projected = inputSchema(schema, rule.inputs);
    cache.set(rule, projected);
  }
  return projected;
}
