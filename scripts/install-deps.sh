#!/usr/bin/env bash
# Installs the Debian packages nssim needs, only those missing. Needs root
# (or sudo) when something must be installed.
set -euo pipefail
pkgs=(cmake make g++ pkg-config
      googletest libgtest-dev libgmock-dev libbenchmark-dev
      libcli11-dev libfmt-dev nlohmann-json3-dev
      libgraphviz-dev graphviz
      chromium)  # the browser test of `nssim trace --html` (skipped without it)
# BPF kernel introspection (real/bpf/, nssim snapshot): clang -target bpf, bpftool
# (vmlinux.h and the skeleton, at build time), libbpf. nssim builds without them.
pkgs+=(clang llvm bpftool libbpf-dev)
# Tracing real programs (nssim trace -- CMD, nssim import; tests/strace_test.cc):
# strace, and iproute2 for the `ip netns` test (util-linux has unshare and nsenter).
pkgs+=(strace iproute2)
# The runtime corpus (tests/strace_test.cc, Runtimes.*): container runtimes that run
# without a daemon, a busybox-static root file system for them, newuidmap for lxc-usernsexec.
pkgs+=(runc crun lxc systemd-container busybox-static uidmap)
# podman and buildah (Runtimes.Podman*, Buildah*): no daemon; storage, run and tmp dirs in the test's temp dir.
pkgs+=(podman buildah)
# docker (Runtimes.DockerRun*): the test starts its own containerd and dockerd, in temp dirs.
pkgs+=(docker.io containerd)
pkgs+=(bubblewrap firejail)  # firejail: a program that detects the sandbox (tests/strace_test.cc); bwrap: tests/environments_test.py runs --real in a bubblewrap container (util-linux has unshare, setpriv)
pkgs+=("$@")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "nssim: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "nssim: need root to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# No package's service is started by the install (docker.io's dockerd, lxc-net):
# a policy-rc.d that says no, for this install only (if there is none already).
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/nssim-apt.log 2>&1; then
  $SUDO apt-get update >>/tmp/nssim-apt.log 2>&1
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/nssim-apt.log 2>&1 ||
    { echo "nssim: apt-get failed, see /tmp/nssim-apt.log" >&2; tail -20 /tmp/nssim-apt.log >&2; exit 1; }
fi
