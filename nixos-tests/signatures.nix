# VM test: the signature gate (behaviour.md §3 [better], §4). With trusted keys configured, a commit
# that is unsigned, or signed by a key that is not trusted, is refused before any evaluation: it
# never becomes the candidate, never moves the baseline and is never evaluated. Commits signed by a
# trusted GPG key or by an allowed SSH signer are deployed.
#
#   git1  git server and author (makes the keys)          web1  agent
{ self, nixpkgs }:
{ hostPkgs, ... }:
let
  fleet = import ./lib/fleet.nix { inherit self nixpkgs hostPkgs; } {
    scenario = ./fleet/scenarios/signatures.nix;
    hosts = [ "web1" ];
    states = {
      v1.marker = "v1";
      v2.marker = "v2";
      v3.marker = "v3";
      v4.marker = "v4";
    };
  };

  # Signs five minutes in the past. The machines' clocks come from the same host but may be a
  # second apart, and gpg refuses a signature made "in the future" of the verifier.
  gpgBackdated = hostPkgs.writeShellScript "gpg-backdated" ''
    exec gpg --faked-system-time "$(( $(date +%s) - 300 ))" "$@"
  '';
in
{
  name = "comin-signatures";
  globalTimeout = 1800;

  nodes = {
    git1 = fleet.gitServer { author = true; };
    web1 = fleet.agent {
      host = "web1";
      states = [
        "v1"
        "v4"
      ];
      # The agent reads its trusted keys when it starts: the test starts it once they exist.
      # (`wantedBy` only makes links; the unit itself stays the fleet's.)
      extraModules = [
        ({ lib, ... }: { systemd.services.comin.wantedBy = lib.mkForce [ ]; })
      ];
    };
  };

  testScript =
    { nodes, ... }:
    ''
      ${fleet.pythonHelpers}

      fleet = "${fleet.script}"
      web1_v1 = "${fleet.prebuilt nodes "web1" "v1"}"
      web1_v4 = "${fleet.prebuilt nodes "web1" "v4"}"
      gpg_signing = "FLEET_GPG_PROGRAM=${gpgBackdated}"

      start_all()
      web1_backdoor = backdoor_invocation(web1)
      git1.wait_for_unit("git-daemon.service")

      # Keys dated 2020: older than any signature, whatever the clocks say.
      for email, name in (("signer@test.invalid", "Fleet Signer"), ("intruder@test.invalid", "Not Trusted")):
          git1.succeed(
              "gpg --batch --pinentry-mode loopback --passphrase \"\" --faked-system-time 20200101T000000"
              f" --quick-gen-key \"{name} <{email}>\" ed25519 sign never"
          )
      signer = gpg_fingerprint(git1, "signer@test.invalid")
      intruder = gpg_fingerprint(git1, "intruder@test.invalid")
      git1.succeed(
          "gpg --armor --export signer@test.invalid > /root/signer.asc",
          "ssh-keygen -q -t ed25519 -N \"\" -C signer@test.invalid -f /root/signer-ssh",
          "echo \"signer@test.invalid $(cut -d ' ' -f 1,2 /root/signer-ssh.pub)\" > /root/allowed_signers",
      )
      copy_file(git1, "/root/signer.asc", web1, "/var/lib/comin-trust/signer.asc")
      copy_file(git1, "/root/allowed_signers", web1, "/var/lib/comin-trust/allowed_signers")

      c1 = git1.succeed(f"FLEET_SIGN=gpg:{signer} {gpg_signing} {fleet} init ${fleet.source nodes} v1").strip()
      web1.succeed("systemctl start comin.service")
      web1.wait_for_unit("comin.service")


      def refused(commit):
          message = f"commit {commit} is not signed by a trusted key"

          def check(status):
              main = dig(status, "remotes", 0, "main") or {}
              return main.get("commit") == commit and main.get("error") == message

          return check


      with subtest("the first deployment is the system prebuilt outside the VM"):
          assert_prebuilt(web1, c1, web1_v1)
          status = wait_deployed(web1, c1, "switch", 900)
          t.assertTrue(status["candidate"]["signed"], "the candidate carries a trusted signature")
          t.assertIn("signer@test.invalid", status["candidate"]["signedBy"])
          t.assertEqual(current_system(web1), web1_v1)
          assert_first_switch(web1, web1_backdoor)

      with subtest("an unsigned commit is refused and never evaluated"):
          c2 = git1.succeed(f"{fleet} commit main {c1} v2").strip()
          status = wait_for_status(web1, "web1 refusing the unsigned commit", refused(c2))
          t.assertEqual(status["generation"]["commit"], c1, "no generation was started for the unsigned commit")
          t.assertEqual(status["candidate"]["commit"], c1)
          t.assertEqual(status["baseline"], c1, "a refused head never becomes the baseline")
          t.assertEqual(dig(status, "deployment", "commit"), c1)
          t.assertEqual(current_system(web1), web1_v1)

      with subtest("a commit signed by a key that is not trusted is refused too"):
          c3 = git1.succeed(f"FLEET_SIGN=gpg:{intruder} {gpg_signing} {fleet} commit main {c2} v3").strip()
          status = wait_for_status(web1, "web1 refusing the untrusted signature", refused(c3))
          t.assertEqual(status["generation"]["commit"], c1)
          t.assertEqual(status["baseline"], c1)
          t.assertEqual(current_system(web1), web1_v1)

      with subtest("a commit signed by an allowed SSH signer is deployed"):
          c4 = git1.succeed(f"FLEET_SIGN=ssh:/root/signer-ssh {fleet} commit main {c3} v4").strip()
          status = wait_deployed(web1, c4, "switch")
          t.assertEqual(status["generation"]["outPath"], web1_v4, GUARD_HINT)
          t.assertTrue(status["candidate"]["signed"])
          t.assertEqual(status["baseline"], c4)
          t.assertEqual(current_system(web1), web1_v4)
          deployed = [record["commit"] for record in deployments(web1)]
          t.assertEqual([commit for commit in deployed if commit in (c2, c3)], [], "the refused commits were never deployed")
    '';
}
