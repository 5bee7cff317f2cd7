#!/bin/sh
# Regenerates sandbox.json, the saved snapshot that tests/golden/snapshot-sandbox.dot
# is drawn from (GraphSnapshot.*). Root; changes nothing on the host: everything
# lives in a throwaway sandbox (its own pid, mount and UTS namespaces, /proc and /run)
# and dies with it.
#   usage: make-sandbox-snapshot.sh NSSIM OUT.json
# In the sandbox:
#   n1    a net namespace pinned only by a bind mount at /run/netns/n1 in a second
#         mount namespace, which one process (sleep) is in;
#   fd 7  a net namespace pinned only by fd 7 of a process (sleep), whose child,
#         the namespace's creator, was killed and stays a zombie (nobody waits);
#   n0    a net namespace bind-mounted at /run/netns/n0 in the sandbox's own mount
#         namespace, with a process in it;
#   a user namespace owning a uts namespace, a process in both;
#   a nested pid namespace with a process in it (level 2).
set -eu
if [ "${1:-}" != --inside ]; then
  exec unshare --pid --fork --mount --uts --propagation private "$0" --inside "$@"
fi
NSSIM=$2
OUT=$3
mount -t proc proc /proc
mount -t tmpfs -o mode=0755 tmpfs /run
hostname sandbox
mkdir -p /run/netns
touch /run/netns/n0
unshare --net=/run/netns/n0 true
nsenter --net=/run/netns/n0 sleep 1000 &
unshare --mount --propagation private sh -c 'touch /run/netns/n1; unshare --net=/run/netns/n1 true; exec sleep 1000' &
sh -c 'unshare --net sleep 1000 & p=$!; sleep 0.3; exec 7</proc/$p/ns/net; kill $p & exec sleep 1000' &
unshare --user --map-root-user --uts sleep 1000 &
unshare --pid --fork sleep 1000 &
sleep 1
"$NSSIM" snapshot -o "$OUT" >/dev/null
kill -9 -1 2>/dev/null || true
