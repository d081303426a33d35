/**
 * The leaf types of the configuration schema (durations, paths, names, URLs, keys), each with
 * the error message a user sees. Each one that is a constrained string carries a readable
 * description in `readableTypes`, which docs/options.md shows instead of a regular expression.
 */
import { z } from "zod";
import { DURATION_FORMS, parseDuration } from "./duration.js";
import { closest } from "./issues.js";

/** Readable type descriptions of the leaf types, for the generated documentation. */
export const readableTypes = z.registry<{ readable: string }>();

function readable<T extends z.ZodType>(type: T, text: string): T {
  readableTypes.add(type, { readable: text });
  return type;
}

export const Duration = z
  .union([z.number(), z.string()], { error: `expected a duration: ${DURATION_FORMS}` })
  .transform((value, ctx) => {
    const seconds = parseDuration(value);
    if (seconds === undefined) {
      ctx.issues.push({
        code: "custom",
        input: value,
        message: `invalid duration ${JSON.stringify(value)}: expected ${DURATION_FORMS}`,
      });
      return z.NEVER;
    }
    return seconds;
  });

export const AbsolutePath = z
  .string({ error: "expected an absolute path (a string)" })
  .refine((value) => value.startsWith("/") && !value.includes("\0"), {
    error: (issue) => `expected an absolute path, got ${JSON.stringify(issue.input)}`,
  });

const HOST_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const HOST_NAME = new RegExp(`^(?=.{1,253}$)${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);

export const HostName = readable(
  z.string().regex(HOST_NAME, {
    error: (issue) =>
      `invalid host name ${JSON.stringify(issue.input)}: expected letters, digits and "-", in dot-separated labels of at most 63 characters`,
  }),
  'host name (letters, digits and "-", in dot-separated labels of at most 63 characters)',
);

export const MachineId = readable(
  z.string().regex(/^[0-9a-f]{32}$/, {
    error: (issue) =>
      `invalid machine id ${JSON.stringify(issue.input)}: expected 32 lowercase hexadecimal characters, as in /etc/machine-id`,
  }),
  "machine id (32 lowercase hexadecimal characters, as in /etc/machine-id)",
);

/**
 * A short name that may appear in status, metric labels, lock keys and file names: letters,
 * digits, ".", "_" and "-", starting with a letter or digit. `what` names it in the message.
 */
export function safeName(what: string) {
  return readable(
    z.string({ error: `expected a ${what} (a string)` }).regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, {
      error: (issue) =>
        `invalid ${what} ${JSON.stringify(issue.input)}: expected letters, digits, ".", "_" and "-", starting with a letter or digit, at most 63 characters`,
    }),
    `${what} (letters, digits, ".", "_" and "-", starting with a letter or digit, at most 63 characters)`,
  );
}

export const RepositorySubdir = readable(
  z.string().refine((value) => !value.startsWith("/") && !value.split("/").includes(".."), {
    error: (issue) => `invalid subdir ${JSON.stringify(issue.input)}: expected a relative path inside the repository, without ".."`,
  }),
  'relative path inside the repository, without `..`',
);

/** Which URL forms are supported is a cross-field rule (rules.ts), reported with the URL. */
export const GitUrl = readable(
  z.string().min(1, { error: "the URL cannot be empty" }),
  "git URL (`https://…`, `ssh://…`, `user@host:path`, `git://…`, `file:///…` or an absolute path)",
);

/** A whole number from `min` to `max`, with a message that says what was got. */
export function count(min: number, max = 1_000_000) {
  const error = (issue: { input?: unknown }) => `expected a whole number from ${min} to ${max}, got ${JSON.stringify(issue.input)}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

export const Port = z
  .number({ error: "expected a TCP port number" })
  .int({ error: "expected a whole TCP port number" })
  .min(1, { error: (issue) => `port ${String(issue.input)} is out of range 1-65535` })
  .max(65535, { error: (issue) => `port ${String(issue.input)} is out of range 1-65535` });

/** A git ref component rule set (git check-ref-format), applied after `{hostname}` substitution. */
export function branchNameProblem(name: string): string | undefined {
  if (name === "") return "a branch name cannot be empty";
  if (/[\s~^:?*[\\\x00-\x1f\x7f]/.test(name)) return "contains a space, a control character or one of ~ ^ : ? * [ \\";
  if (name.includes("..")) return 'contains ".."';
  if (name.includes("@{")) return 'contains "@{"';
  if (name === "@") return 'cannot be "@"';
  if (name.startsWith("-") || name.startsWith("/") || name.endsWith("/")) return 'starts with "-" or "/", or ends with "/"';
  if (name.endsWith(".") || name.endsWith(".lock")) return 'ends with "." or ".lock"';
  if (name.includes("//") || name.split("/").some((part) => part.startsWith("."))) return 'has an empty component or one starting with "."';
  return undefined;
}

export const BranchName = readable(
  z.string().superRefine((name, ctx) => {
    const problem = branchNameProblem(name.replaceAll("{hostname}", "host"));
    if (problem) ctx.addIssue({ code: "custom", message: `invalid branch name ${JSON.stringify(name)}: ${problem}` });
  }),
  "git branch name (`{hostname}` is replaced by the host's name)",
);

/** A git notes ref: `refs/notes/<name>`, where the name follows git check-ref-format. */
export const NotesRef = readable(
  z.string().superRefine((ref, ctx) => {
    const name = ref.startsWith("refs/notes/") ? ref.slice("refs/notes/".length) : undefined;
    const problem = name === undefined ? 'expected a ref under "refs/notes/"' : branchNameProblem(name);
    if (problem) ctx.addIssue({ code: "custom", message: `invalid notes ref ${JSON.stringify(ref)}: ${problem}` });
  }),
  "git ref under `refs/notes/`",
);

export const Operation = z.enum(["switch", "test", "boot"]);

export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export const Day = z.enum(DAYS);

export const ClockTime = readable(
  z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, {
    error: (issue) => `invalid time ${JSON.stringify(issue.input)}: expected HH:MM on a 24-hour clock, from 00:00 to 23:59`,
  }),
  "time of day, `HH:MM` on a 24-hour clock",
);

/** IANA time zone names known to this Node.js (its ICU copy of the tz database). */
export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const TimeZone = readable(
  z.string().refine(isTimeZone, {
    error: (issue) => {
      const suggestion = typeof issue.input === "string" ? closest(issue.input, Intl.supportedValuesOf("timeZone")) : undefined;
      const hint = suggestion ? ` (did you mean "${suggestion}"?)` : "";
      return `unknown time zone ${JSON.stringify(issue.input)}${hint}: expected an IANA name such as "UTC" or "Europe/Paris"`;
    },
  }),
  'IANA time zone name (such as `"UTC"` or `"Europe/Paris"`)',
);
