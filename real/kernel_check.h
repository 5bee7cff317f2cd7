// Checks a scenario run against the live kernel's own structures, read with
// BPF (real/kernel_introspect.h), after every call: which tasks share a
// struct nsproxy and its count, and by how much the step changed each
// namespace's refcount. Used by `nssim trace --real` (through
// Runner::Options::extra_check) and by tests/bpf_test.cc.
//
// Absolute refcounts differ between model and kernel by references the model
// does not hold (docs/introspection.md, "What the kernel's refcount counts
// that the model does not"), so each namespace's refcount is compared as a
// change: kernel refs minus the model's corrected refs must stay constant
// from the step the namespace is first seen. The host's initial user, ipc,
// net, cgroup and time namespaces move with the whole machine and are skipped.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "real/real_backend.h"
#include "sim/runner.h"

namespace nssim::real {

class KernelStructureCheck {
 public:
  // `real` must be the Runner's peer and outlive this object.
  explicit KernelStructureCheck(const RealBackend& real) : real_(real) {}

  // "" when BPF can be used, else why not (one sentence).
  static std::string unavailable_reason();

  // Problems after one step ("line N: a.nsproxy.count: model 2, kernel 3"),
  // empty when the kernel agrees. Late kernel work (RCU frees of creds and
  // struct pids) is waited for: retries for up to `settle_ms` while problems
  // remain. Only call steps are checked.
  std::vector<std::string> check(const Runner& runner, const StepRecord& r, int settle_ms = 400);

  int namespace_checks() const { return compared_; }  // refcount deltas compared so far
  // Tasks whose nsproxy sharing was compared: each task's nsproxy against
  // the model's, as one bijection per step (not pairs of tasks).
  int nsproxy_tasks() const { return tasks_; }
  int nsproxy_counts() const { return counts_; }      // nsproxy counts compared

  // The refcount the kernel should show for a model namespace, up to a
  // constant: the model's, corrected by the references outside the model
  // (the sandbox's nsfs pins; for user namespaces one struct ucounts per euid
  // among its creds and one mqueue superblock per ipc namespace it owns).
  static int64_t expected_kernel_refs(const Kernel& k, const NsCommon* ns);

 private:
  std::vector<std::string> check_once(const Runner& runner, const StepRecord& r, bool commit);

  const RealBackend& real_;
  struct Refs {
    int64_t model = 0;   // expected_kernel_refs()
    int64_t kernel = 0;  // the kernel's refcount
  };
  std::map<uint64_t, Refs> prev_;  // per model serial, after the last checked step
  int compared_ = 0, tasks_ = 0, counts_ = 0;
};

}  // namespace nssim::real
