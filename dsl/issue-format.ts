/**
 * How a configuration problem is named: the dotted path of the key and the message. Kept apart
 * from the zod-based checks (issues.ts) so that the daemon can report a configuration error that a
 * checker process found without loading zod itself.
 */
/** One problem of a configuration, with the dotted path of the key (`hosts.web2.reboot.policy`). */
export interface ConfigIssue {
  path: (string | number)[];
  message: string;
}

export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return "(top level)";
  let text = "";
  for (const [index, segment] of path.entries()) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) text += index === 0 ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

export function formatIssue(issue: ConfigIssue, file?: string): string {
  return `${file ? `${file}: ` : ""}${formatPath(issue.path)}: ${issue.message}`;
}
