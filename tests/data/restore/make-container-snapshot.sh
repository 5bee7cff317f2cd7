#!/bin/sh
# Regenerates container.json, the saved snapshot the restore tests start from
# (tests/restore_test.cc). Root; changes nothing on the host: everything lives
# in a throwaway sandbox (its own pid, mount and UTS namespaces, /proc and /run)
# and dies with it.
#   usage: make-container-snapshot.sh NSSIM OUT.json
# In the sandbox (pid 1 is this script):
#   a "container": `unshare` (its parent) made an init (sleep) in new pid, uts,
#     net, mnt and ipc namespaces; the init has one child (sleep);
#   the container's net namespace is bind-mounted at /run/netns/c in the
#     sandbox's mount namespace;
#   the container's uts namespace is also held by fd 7 of a process outside it;
#   a net namespace no process is in, pinned only by fd 7 of another process;
#   a user namespace (uid 0 inside mapped to 0) owning a uts namespace, one process in both.
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
unshare --pid --fork --uts --net --mount --ipc --propagation private sh -c 'sleep 1000 & exec sleep 1000' &
U=$!
sleep 0.5
INIT=$(cat /proc/$U/task/$U/children | tr -d ' ')
touch /run/netns/c
mount --bind /proc/$INIT/ns/net /run/netns/c
sh -c "exec 7</proc/$INIT/ns/uts; exec sleep 1000" &
sh -c 'unshare --net sleep 1000 & p=$!; sleep 0.3; exec 7</proc/$p/ns/net; kill $p; wait $p || true; exec sleep 1000' &
unshare --user --map-root-user --uts sleep 1000 &
sleep 1
"$NSSIM" snapshot -o "$OUT" >/dev/null
echo "container: unshare pid $U, init pid $INIT"
kill -9 -1 2>/dev/null || true
