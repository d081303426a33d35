/**
 * The flake reference of one commit of the agent's bare repository (behaviour.md §5).
 *
 * `rev=` pins the commit (without it, root on a repository owned by another user also hits git's
 * "dubious ownership"); `ref=` names a branch that contains it, the candidate branch
 * (../git/candidate.ts): Nix 2.8 fetches that ref from a bare repository, and with `rev` alone
 * looks for `refs/heads/master` (spec/nix-offline.md).
 */

/** Percent-encodes what a URL path or query value cannot hold raw, keeping "/" readable. */
function encode(value: string): string {
  return encodeURIComponent(value).replace(/%2F/gi, "/");
}

export function flakeUrl(args: { repoDir: string; commit: string; ref: string; subdir: string; submodules: boolean }): string {
  const query = [`dir=${encode(args.subdir)}`, `ref=${encode(args.ref)}`, `rev=${args.commit}`];
  if (args.submodules) query.push("submodules=1");
  return `git+file://${encode(args.repoDir)}?${query.join("&")}`;
}

/**
 * The flake reference of one commit of a non-bare checkout (`comin publish` in CI): Nix finds any
 * commit of its object store there with `rev` alone (spec/nix-offline.md).
 */
export function checkoutFlakeUrl(args: { dir: string; commit: string; subdir: string; submodules: boolean }): string {
  const query = [`dir=${encode(args.subdir)}`, `rev=${args.commit}`];
  if (args.submodules) query.push("submodules=1");
  return `git+file://${encode(args.dir)}?${query.join("&")}`;
}

/** `nixosConfigurations."<hostname>"`: quoted, because host names may contain dots. */
export function flakeSystemAttribute(hostname: string): string {
  return `nixosConfigurations.${JSON.stringify(hostname)}`;
}
