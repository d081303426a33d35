#!/usr/bin/env bash
# The author's side of the VM tests: writes commits of the fleet repository and pushes them. Runs
# on a git server node (../lib/fleet.nix puts it in the store); test/nixos-tests/ runs it here too.
#
#   fleet.sh init SOURCE STATE
#       A new bare repository ($FLEET_BARE) and a work tree ($FLEET_WORKTREE) made of the files
#       of SOURCE, with states/STATE.json as state.json and a locked flake, pushed as main.
#   fleet.sh commit [--force] [--remote NAME]... [--message TEXT] BRANCH BASE STATE
#       A child of commit BASE whose state.json is states/STATE.json, pushed to BRANCH (with
#       --force, BRANCH may be rewritten: a sibling of its head is a force-push).
#   fleet.sh reset [--remote NAME]... BRANCH COMMIT
#       Force-pushes the existing COMMIT to BRANCH.
#
# Each prints the commit id (and nothing else) on stdout. The remotes default to origin.
# Environment: FLEET_WORKTREE (default /root/fleet), FLEET_BARE (default /srv/git/fleet.git),
# FLEET_SIGN (gpg:<key id> or ssh:<private key file>: sign the commit), FLEET_GPG_PROGRAM.
set -euo pipefail

worktree=${FLEET_WORKTREE:-/root/fleet}
bare=${FLEET_BARE:-/srv/git/fleet.git}

export GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-Fleet Author}
export GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-author@test.invalid}
export GIT_COMMITTER_NAME=${GIT_COMMITTER_NAME:-$GIT_AUTHOR_NAME}
export GIT_COMMITTER_EMAIL=${GIT_COMMITTER_EMAIL:-$GIT_AUTHOR_EMAIL}

die() {
  echo "fleet.sh: $*" >&2
  exit 2
}

# Git in the work tree; its output goes to stderr, stdout is for the commit id.
g() {
  git -C "$worktree" -c core.hooksPath=/dev/null "$@" >&2
}

# Commits what is staged, signed as FLEET_SIGN says.
commit_staged() {
  local message=$1
  local -a sign=(-c commit.gpgSign=false)
  local -a flags=()
  case ${FLEET_SIGN:-} in
    "") ;;
    gpg:*)
      sign=(-c "user.signingKey=${FLEET_SIGN#gpg:}" -c gpg.format=openpgp)
      if [ -n "${FLEET_GPG_PROGRAM:-}" ]; then sign+=(-c "gpg.program=$FLEET_GPG_PROGRAM"); fi
      flags=(-S)
      ;;
    ssh:*)
      sign=(-c "user.signingKey=${FLEET_SIGN#ssh:}" -c gpg.format=ssh)
      flags=(-S)
      ;;
    *) die "FLEET_SIGN must be gpg:<key id> or ssh:<key file>, not '$FLEET_SIGN'" ;;
  esac
  g "${sign[@]}" commit -q --allow-empty "${flags[@]}" -m "$message"
}

state_file() {
  local file="$worktree/states/$1.json"
  [ -f "$file" ] || die "no state '$1' ($file)"
  printf '%s\n' "$file"
}

init() {
  [ $# -eq 2 ] || die "usage: fleet.sh init SOURCE STATE"
  local source=$1 state=$2
  git init -q --bare --initial-branch=main "$bare" >&2
  rm -rf "$worktree"
  # The source is a tree of links into the store: copy what they point to, writable.
  cp -rL --no-preserve=mode "$source" "$worktree"
  local file
  file=$(state_file "$state")
  cp "$file" "$worktree/state.json"
  g init -q --initial-branch=main
  # A flake in a git repository only sees tracked files, flake.lock included.
  g add -A
  nix --extra-experimental-features "nix-command flakes" flake lock "$worktree" >&2
  # (A flake without inputs gets no lock file.)
  if [ -e "$worktree/flake.lock" ]; then g add flake.lock; fi
  commit_staged "fleet: initial state ($state)"
  g remote add origin "$bare"
  g push -q origin HEAD:refs/heads/main
  git -C "$worktree" rev-parse HEAD
}

# `commit` and `reset`: the options, then the action on each remote.
commit_or_reset() {
  local action=$1
  shift
  local force="" message=""
  local -a remotes=()
  while [ $# -gt 0 ]; do
    case $1 in
      --force) force=--force ;;
      --remote) [ $# -ge 2 ] || die "--remote needs a name"; remotes+=("$2"); shift ;;
      --message) [ $# -ge 2 ] || die "--message needs a text"; message=$2; shift ;;
      --) shift; break ;;
      -*) die "unknown option $1" ;;
      *) break ;;
    esac
    shift
  done
  [ ${#remotes[@]} -gt 0 ] || remotes=(origin)

  if [ "$action" = reset ]; then
    [ $# -eq 2 ] || die "usage: fleet.sh reset [--remote NAME]... BRANCH COMMIT"
    local branch=$1 target=$2
    for remote in "${remotes[@]}"; do g push -q --force "$remote" "$target:refs/heads/$branch"; done
    git -C "$worktree" rev-parse --verify "$target^{commit}"
    return
  fi

  [ $# -eq 3 ] || die "usage: fleet.sh commit [--force] [--remote NAME]... [--message TEXT] BRANCH BASE STATE"
  local branch=$1 base=$2 state=$3
  g checkout -q --detach "$base"
  local file
  file=$(state_file "$state")
  cp "$file" "$worktree/state.json"
  g add state.json
  commit_staged "${message:-fleet: $state on $branch}"
  for remote in "${remotes[@]}"; do g push -q $force "$remote" "HEAD:refs/heads/$branch"; done
  git -C "$worktree" rev-parse HEAD
}

case ${1:-} in
  init) shift; init "$@" ;;
  commit) shift; commit_or_reset commit "$@" ;;
  reset) shift; commit_or_reset reset "$@" ;;
  *) die "usage: fleet.sh init|commit|reset ... (see the comment at the top of this file)" ;;
esac
