#!/usr/bin/env bash
# Installs what the demo and the test suite need on a fresh Debian/Ubuntu machine (run as root),
# then the npm dependencies. Idempotent: safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v nix >/dev/null || need+=(nix-bin)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v git >/dev/null || need+=(git)
command -v gpg >/dev/null || need+=(gnupg)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
# The SSH fetch tests start their own sshd (own config, loopback port); the system's is not used.
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v openssl >/dev/null || need+=(openssl)
command -v ip >/dev/null || need+=(iproute2)
command -v promtool >/dev/null || need+=(prometheus)
command -v python3 >/dev/null || need+=(python3)
# The completion scripts are syntax-checked by each shell, the man page rendered by man-db.
command -v zsh >/dev/null || need+=(zsh)
command -v fish >/dev/null || need+=(fish)
command -v man >/dev/null || need+=(man-db)
# The reboot coordination tests (§16) start their own etcd (own data dir, loopback port or lab namespace).
[ -x /usr/bin/etcd ] || need+=(etcd-server)
[ -x /usr/bin/etcdctl ] || need+=(etcd-client)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
  if [[ " ${need[*]} " == *" openssh-server "* ]]; then
    # Installing the package starts the system's sshd on port 22: nothing here needs it.
    systemctl disable --now ssh.service >/dev/null 2>&1 || true
  fi
  if [[ " ${need[*]} " == *" etcd-server "* ]]; then
    # Same for the system's etcd: every test starts its own.
    systemctl disable --now etcd.service >/dev/null 2>&1 || true
  fi
fi

# nix-bin's postinst normally creates the build users; make sure they exist.
if ! getent group nixbld >/dev/null; then
  groupadd --system nixbld
fi
for i in $(seq 1 8); do
  id "nixbld$i" >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /var/empty \
    --shell /usr/sbin/nologin --gid nixbld --groups nixbld "nixbld$i"
done

# An offline nix.conf: no binary cache, no global flake registry, a /bin/sh inside the sandbox.
marker="# written by comin scripts/setup.sh"
if ! grep -qF "$marker" /etc/nix/nix.conf 2>/dev/null; then
  mkdir -p /etc/nix
  [ -f /etc/nix/nix.conf ] && cp /etc/nix/nix.conf /etc/nix/nix.conf.before-comin
  echo '{"flakes":[],"version":2}' > /etc/nix/registry.json
  cat > /etc/nix/nix.conf <<CONF
$marker
experimental-features = nix-command flakes
build-users-group = nixbld
sandbox = true
sandbox-fallback = true
sandbox-paths = /bin/sh=/bin/busybox
substituters =
flake-registry = /etc/nix/registry.json
download-attempts = 1
connect-timeout = 1
warn-dirty = false
CONF
  echo "setup: wrote /etc/nix/nix.conf (offline)"
fi

# git refuses repositories owned by another user; tests create theirs as root, so nothing to do.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
