// --vm VERSION (nssim trace, lab check, fuzz): the command runs with --real in
// a Debian kernel booted under qemu (vm/vm.h); these build its job.
#pragma once

#include <string>
#include <vector>

#include "cli/commands.h"
#include "vm/vm.h"

namespace nssim::cli {

// nssim trace --real --vm VERSION FILE...: one guest run per FILE, one boot.
int trace_in_vm(const TraceArgs& a, const std::vector<std::string>& files, const std::string& version);
// nssim fuzz --real --vm VERSION: the campaign in the guest; --out's files come back.
int fuzz_in_vm(const FuzzArgs& a, const std::string& version);

}  // namespace nssim::cli
