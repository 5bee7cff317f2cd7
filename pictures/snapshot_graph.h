// `nssim graph --snapshot`: the live system (real/snapshot.h) drawn with the
// model's pictures (pictures/graph.h, docs/pictures.md), so a real machine and a
// scenario step read the same way: tasks -> nsproxy -> namespaces, owners,
// parents, and what keeps alive a namespace no process is in.
//
// The snapshot is turned into the plain values build_graph() draws:
//  * a task per thread the snapshot saw: node task<TID>; "pid P · state" (or
//    "tid T of pid P"); its user and pid links are the dotted `cred`/`pid` edges;
//  * with BPF, each kernel nsproxy, numbered 1, 2, ... by its lowest tid (the
//    kernel's ids are per-process hashes): node nsproxy<N>, "nsproxy#N · count C";
//    without BPF the nsproxy cannot be read, and tasks whose eight nsproxy-slot
//    links are equal share one "links#N" table instead (an honest stand-in:
//    two nsproxies with the same namespaces look the same there);
//  * each namespace: node ns<INODE> (inode numbers are unique in a snapshot),
//    type, inode, refcount (BPF), level (BPF, pid and user), `initial` for the
//    namespaces of kthreadd (init_nsproxy), owner and parent edges;
//  * every nsfs fd (`fd N` from the process's leader) and nsfs bind mount
//    (`mount PATH` from the mount namespace it is in), as in the model; for a
//    namespace no process is in, also the BPF-only holders (pidfd, socket,
//    f_cred) as edges, and every holder as a label line: "no process in it",
//    "held by: fd 77 of pid 5 (sleep)", ... (the snapshot's `why`).
// Everything is sorted by tid, nsproxy number and inode: a saved snapshot
// always gives the same DOT.
#pragma once

#include <string>

#include "pictures/graph.h"
#include "real/snapshot.h"

namespace nssim::cli {

// The values drawn for `s` (see above). O(tasks + namespaces + holders).
ModelSnapshot model_snapshot_of(const real::Snapshot& s);

// The caption ("snapshot · kernel K · N tasks · ..."), the snapshot's notes
// and the legend, set in `opt` (title is left to the caller).
void snapshot_caption(const real::Snapshot& s, DrawOptions& opt);

// model_snapshot_of + snapshot_caption + build_graph.
Graph build_snapshot_graph(const real::Snapshot& s, DrawOptions opt);

}  // namespace nssim::cli
