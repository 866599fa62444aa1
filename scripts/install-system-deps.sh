#!/bin/sh
# Installs the Debian packages the live test suites need (real OVS/OVN, FRR, sshd; see
# /work/shared/SANDBOX.md). Idempotent: does nothing when every package is already installed.
# Usage: scripts/install-system-deps.sh        (as root, or with sudo available)
set -eu

PACKAGES="openvswitch-switch openvswitch-common ovn-central ovn-host ovn-common frr openssh-server openssh-client ethtool iproute2 python3-openvswitch"

missing=""
for p in $PACKAGES; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$status" in
    "install ok installed") ;;
    *) missing="$missing $p" ;;
  esac
done

if [ -z "$missing" ]; then
  echo "install-system-deps: all packages already installed:$(printf ' %s' $PACKAGES)"
  exit 0
fi

echo "install-system-deps: missing:$missing"
if [ "$(id -u)" -eq 0 ]; then
  apt-get update
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $PACKAGES
elif command -v sudo >/dev/null 2>&1; then
  sudo apt-get update
  # shellcheck disable=SC2086
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $PACKAGES
else
  echo "install-system-deps: must run as root (or with sudo) to install:$missing" >&2
  exit 1
fi

echo "install-system-deps: done"
ovs-vsctl --version | head -n 1 || true
ovn-nbctl --version | head -n 1 || true
