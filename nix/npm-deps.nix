# The production dependencies of comin (`$out/node_modules`), installed by npm itself from the
# lockfile. package-lock.json records versions and integrity hashes but no download URLs, so
# nixpkgs' lockfile fetchers cannot use it; a fixed-output derivation may use the network
# instead, and its output is pinned by ./npm-deps-hash.txt.
#
# That hash is computed outside Nix by scripts/npm-deps-hash.mjs, which runs the same npm command
# and the same ./normalise-npm-tree.sh; test/nix/npm-deps-hash.test.ts fails when it drifts from
# the lockfile. Update it with `node scripts/npm-deps-hash.mjs --write`.
{
  lib,
  stdenvNoCC,
  nodejs,
  cacert,
}:

stdenvNoCC.mkDerivation {
  # No version in the name: the output depends on the lockfile only, and a version bump alone
  # should not download everything again.
  name = "comin-npm-deps";

  src = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions [
      ../package.json
      ../package-lock.json
      ./normalise-npm-tree.sh
    ];
  };

  nativeBuildInputs = [ nodejs ];

  dontConfigure = true;

  # npm reads only what is set here: HOME is empty, so no user configuration (the registry is
  # npm's built-in default), and the cache is private to this build.
  buildPhase = ''
    runHook preBuild
    export HOME="$TMPDIR"
    export npm_config_cache="$TMPDIR/npm-cache"
    export npm_config_update_notifier=false
    npm ci --omit=dev --ignore-scripts --install-strategy=hoisted --no-audit --no-fund
    sh nix/normalise-npm-tree.sh node_modules
    runHook postBuild
  '';

  installPhase = ''
    runHook preInstall
    mkdir -p "$out"
    mv node_modules "$out/node_modules"
    runHook postInstall
  '';

  # patchShebangs would write store paths into the tree: a fixed-output derivation may not refer
  # to other store paths, and the bytes would no longer be the ones hashed by the script.
  dontFixup = true;

  # npm ignores SSL_CERT_FILE; Node adds these roots to its own.
  NODE_EXTRA_CA_CERTS = "${cacert}/etc/ssl/certs/ca-bundle.crt";
  impureEnvVars = lib.fetchers.proxyImpureEnvVars;

  outputHashMode = "recursive";
  outputHashAlgo = "sha256";
  outputHash = lib.fileContents ./npm-deps-hash.txt;
}
