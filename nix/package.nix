# The comin package: the compiled TypeScript, the production node_modules (./npm-deps.nix) and a
# `comin` wrapper around nixpkgs' Node.js. Nothing here reads the flake's revision: VM tests
# evaluate this file again inside a VM and need the same store path.
{
  lib,
  stdenvNoCC,
  callPackage,
  nodejs,
  typescript,
  makeWrapper,
}:

let
  npmDeps = callPackage ./npm-deps.nix { inherit nodejs; };
  # Node options of the daemon's launcher; the tests and the benchmarks start it with these too.
  daemonNodeFlags = lib.fileContents ./daemon-node-flags.txt;
  # Environment defaults of the launcher, NAME=VALUE per line (the service's own Environment=
  # still wins: --set-default). The tests and the benchmarks read the same file.
  daemonEnv = map (line: lib.splitString "=" line) (lib.filter (line: line != "") (lib.splitString "\n" (lib.fileContents ./daemon-env.txt)));
  daemonEnvFlags = lib.concatMapStringsSep " " (pair: "--set-default ${lib.escapeShellArg (lib.head pair)} ${lib.escapeShellArg (lib.concatStringsSep "=" (lib.tail pair))}") daemonEnv;
in
stdenvNoCC.mkDerivation {
  pname = "comin";
  inherit (lib.importJSON ../package.json) version;

  # Only what the package is made of, so that editing tests or examples does not rebuild it.
  src = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions [
      ../package.json
      ../tsconfig.json
      ../dsl
      ../runtime
      ../generators
      ../docs
      ./.
    ];
  };

  strictDeps = true;
  nativeBuildInputs = [
    typescript
    makeWrapper
  ];

  dontConfigure = true;

  # Type checking needs the dev dependencies (@types/*), which this build does not have; the test
  # suite type-checks (`npm test`). --noCheck only transpiles (the sources use isolatedModules),
  # and `--types null` drops tsconfig.json's `types: ["node"]`, which would be an error without
  # @types/node.
  buildPhase = ''
    runHook preBuild
    ln -s ${npmDeps}/node_modules node_modules
    tsc -p . --noCheck --types null
    runHook postBuild
  '';

  installPhase = ''
    runHook preInstall
    mkdir -p "$out/lib/comin" "$out/bin"
    cp -r dist package.json nix docs "$out/lib/comin/"
    # The generators read their committed data (docs.generated.json) next to their sources.
    find generators -name '*.json' -exec install -D -m 0644 {} "$out/lib/comin/{}" \;
    # A link, not a copy: Node resolves modules from the real path of each file, and the
    # dependencies find each other inside ${npmDeps}/node_modules.
    ln -s ${npmDeps}/node_modules "$out/lib/comin/node_modules"
    makeWrapper ${lib.getExe nodejs} "$out/bin/comin" \
      --add-flags "$out/lib/comin/dist/runtime/cli/main.js"
    # The daemon's launcher (the NixOS module's ExecStart): the same program with the V8 flags of
    # daemon-node-flags.txt. A 1 MiB young generation keeps an idle agent ~7 MiB smaller for
    # the months it runs, at a fraction of a millisecond of extra scavenging per poll
    # (bench/README.md, rssGrowthMb); short CLI commands keep V8's defaults. MALLOC_ARENA_MAX=1
    # (daemon-env.txt): glibc gives each thread that mallocs (V8's GC helpers, libuv's pool) its
    # own arena otherwise, and an idle agent keeps ~1.4 MiB more in them, at no measured CPU.
    makeWrapper ${lib.getExe nodejs} "$out/libexec/comin/comin-daemon" ${daemonEnvFlags} \
      --add-flags "${daemonNodeFlags} $out/lib/comin/dist/runtime/cli/main.js"
    # Shell completions and the man page, generated from the CLI's own definition.
    mkdir -p "$out/share/bash-completion/completions" "$out/share/zsh/site-functions" \
      "$out/share/fish/vendor_completions.d" "$out/share/man/man1"
    "$out/bin/comin" completion bash > "$out/share/bash-completion/completions/comin"
    "$out/bin/comin" completion zsh > "$out/share/zsh/site-functions/_comin"
    "$out/bin/comin" completion fish > "$out/share/fish/vendor_completions.d/comin.fish"
    "$out/bin/comin" man > "$out/share/man/man1/comin.1"
    runHook postInstall
  '';

  # The CLI must at least load: every import resolves and the arguments parse.
  doInstallCheck = true;
  installCheckPhase = ''
    runHook preInstallCheck
    "$out/bin/comin" --help > /dev/null
    runHook postInstallCheck
  '';

  passthru = {
    inherit npmDeps;
  };

  meta = {
    description = "GitOps deployment agent for NixOS, configured with a typed TypeScript DSL";
    license = lib.licenses.mit;
    mainProgram = "comin";
    inherit (nodejs.meta) platforms;
  };
}
