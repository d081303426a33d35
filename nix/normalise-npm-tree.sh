#!/bin/sh
# Makes the node_modules tree of `npm ci --omit=dev --ignore-scripts` depend on package-lock.json
# only, so that the fixed-output derivation (nix/npm-deps.nix) and the hash test
# (scripts/npm-deps-hash.mjs, test/nix/npm-deps-hash.test.ts) hash the same bytes: both run THIS
# file. Changing it changes the hash: run `node scripts/npm-deps-hash.mjs --write` afterwards.
#
# Usage: normalise-npm-tree.sh NODE_MODULES_DIR
set -eu

if [ "$#" -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: normalise-npm-tree.sh NODE_MODULES_DIR (an existing directory)" >&2
  exit 2
fi
dir=$1

# npm's hidden lockfile is its own bookkeeping: its content differs between npm versions.
rm -f "$dir/.package-lock.json"

# Bin links differ between npm versions and configurations (bin-links, platform shims), and
# linking chmods their targets. The agent imports its dependencies and never runs their programs.
find "$dir" -name .bin -type d -prune -exec rm -rf {} +

# npm 10 leaves empty scope directories (@types, ...) of the omitted dev dependencies; npm 11 does
# not. An empty directory is never needed to load a module.
find "$dir" -mindepth 1 -depth -type d -empty -delete

# The NAR serialisation keeps only the executable bit. Tarball modes, the umask and bin linking
# all move it, so make it uniform (no dependency file is executed, see above). Timestamps are not
# part of the NAR, and the store sets them to 1 anyway.
find "$dir" -type d -exec chmod 0755 {} +
find "$dir" -type f -exec chmod 0644 {} +
