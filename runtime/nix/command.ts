/**
 * Arguments common to every `nix` (new CLI) call. The experimental features are enabled per call
 * because a machine's nix.conf may not enable them (NixOS does not by default).
 */
export const NIX_CLI_FLAGS = ["--extra-experimental-features", "nix-command flakes"] as const;
