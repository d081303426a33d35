# Flake check: each committed examples/<name>/expected/ directory is exactly what the packaged
# `comin generate` writes for examples/<name>/comin.config.ts (`--check` writes nothing and names
# the stale files).
{
  lib,
  runCommand,
  comin,
}:

let
  examples = lib.fileset.toSource {
    root = ../examples;
    fileset = ../examples;
  };
in
runCommand "comin-generated-drift" { nativeBuildInputs = [ comin ]; } ''
  export HOME="$TMPDIR"
  cp -r ${examples} examples
  chmod -R u+w examples
  found=0
  for config in examples/*/comin.config.ts; do
    [ -e "$config" ] || continue
    found=1
    dir=''${config%/comin.config.ts}
    echo "checking $dir"
    comin generate "$config" --out "$dir/expected" --check
  done
  if [ "$found" = 0 ]; then
    echo "no examples/*/comin.config.ts found" >&2
    exit 1
  fi
  touch "$out"
''
