# Lab 12 — Capstone: trace a real container runtime (bwrap)
# Task 0 of the README first: trace bwrap and keep the output open. Then
# replace every '?' with your prediction (a number, or a name like
# bwrap.user, pid1.user or U), and write task 3. Then:
#   nssim lab check labs/12-capstone-bwrap/lab.nss
#   nssim trace labs/12-capstone-bwrap/lab.nss
#
# What `nssim trace -- bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev /bin/true`
# shows bwrap doing, as root, replayed as a scenario. The initial task is the
# process that execs bwrap (pid 1 of nssim's sandbox, as under `nssim trace --`).
task bwrap

# ---- Task 1: one clone makes the container ----------------------------------------
# @q 1.1 (3 points)
bwrap: exec() = 0
bwrap: clone(CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET) -> pid1
expect pid1.pid == ?
expect pid1.pid@bwrap == ?
expect pid1.nsproxy.count == ?
expect bwrap.nsproxy.count == ?
# @q 1.2 (3 points)
let U = pid1.user
let P = pid1.pid
expect U.owner == ?
expect pid1.net.owner == ?
expect pid1.time == ?
expect U.refs == ?
expect P.refs == ?

# ---- Task 2: bwrap drops its own capabilities ------------------------------------------
# @q 2.1 (2 points)
bwrap: capset(effective=0, permitted=0, inheritable=0) = 0
bwrap: prctl(PR_SET_DUMPABLE, 1) = 0
expect bwrap.cap_prm == ?
expect bwrap.uid == ?
expect pid1.uid == ?
expect pid1.cap_eff.CAP_SYS_ADMIN == ?

# ---- Task 3: the container's pid 1 maps itself and runs the command ------------------------
# @q 3.1 (6 points)
# ==== Task 3: your steps go here ====
# Reproduce what the trace shows the container's pid 1 (pid1) doing until
# the command runs: its id maps, the fork of the command (name it 'cmd'), its
# capabilities, the command's exec (see the README). The grader also checks
# `cmd.pid == 2` and `cmd.nsproxy == pid1.nsproxy` here (uncomment to see them):
# expect cmd.pid == 2
# expect cmd.nsproxy == pid1.nsproxy
# The checks below fail until your steps are in.
# ==== end of task 3 ====
expect pid1.uid == 0
expect pid1.gid == 0
expect pid1.cap_prm == 0
expect pid1.nsproxy.count == 2
