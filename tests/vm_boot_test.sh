#!/usr/bin/env bash
# ctest vm_boot: `nssim trace --real --vm 6.1 examples/01-proc-ns-identity.nss`
# boots Debian 12's kernel under qemu (TCG) and runs the example there: one
# boot, about 30 s once the kernel is cached (the first run downloads ~70 MB).
# Skipped (exit 77) with the reason when qemu-system-x86_64 is not installed
# (scripts/install-deps.sh qemu-system-x86, or `make vm-test`) or the kernel
# cannot be fetched (no network, no apt).
set -uo pipefail
nssim=$1
src=$2
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 not installed (apt-get install qemu-system-x86)"; exit 77; }
command -v apt-get >/dev/null || { echo "SKIP: no apt-get to fetch the kernel package"; exit 77; }
cd "$src"
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$nssim" trace --real --vm 6.1 examples/01-proc-ns-identity.nss >"$out" 2>"$err"
rc=$?
cat "$out"; cat "$err" >&2
if [ $rc -eq 3 ] && grep -qE "apt-get update for .* failed|apt-get download .* failed" "$err"; then
  echo "SKIP: the Debian kernel package could not be fetched (no network?)"; exit 77
fi
fail() { echo "FAIL: $*"; exit 1; }
# It booted 6.1 and nssim ran there: the guest's --real header names that kernel.
grep -q "nssim: --vm 6.1: Linux 6\.1\..* booted under qemu" "$err" || fail "no boot of 6.1 reported"
# 6.1's own numbers, the seed article's: dynamic initial mnt and net inodes (6.18 fixes them at
# mnt:[4026531832] and net:[4026531833]), read from the guest's /proc/1/ns.
grep -q "the guest's initial namespaces (/proc/1/ns):.* mnt:\[4026531841\] net:\[4026531840\]" "$err" ||
  fail "the guest's /proc/1/ns does not show 6.1's mnt:[4026531841] net:[4026531840]"
grep -q "^live kernel: sandbox pid" "$out" || fail "the guest's nssim did not run --real"
# Each file's summary names it.
grep -q "^summary (examples/01-proc-ns-identity.nss): " "$out" || fail "no summary naming the file"
# Exit status is the guest nssim's: 0 or 1 (the model's profile may disagree with 6.1), not a failure to run.
[ $rc -le 1 ] || fail "exit status $rc"
echo "PASS (exit $rc)"
