/**
 * The flake reference of one commit of the agent's bare repository (behaviour.md §5).
 *
 * Nix 2.8 needs `ref=` as well as `rev=` with a bare repository: with `rev` alone it looks for
 * `refs/heads/master` and fails on first use (spec/nix-offline.md). Without `rev`, root on a
 * repository owned by another user hits git's "dubious ownership".
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

/** `nixosConfigurations."<hostname>"`: quoted, because host names may contain dots. */
export function flakeSystemAttribute(hostname: string): string {
  return `nixosConfigurations.${JSON.stringify(hostname)}`;
}
