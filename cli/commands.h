#pragma once

#include <string>

namespace nssim::cli {

struct TraceArgs {
  std::string file;
  bool real = false;
  bool json = false;
  bool refs = false;
  bool no_events = false;
  bool no_table = false;
  int timeout_ms = 5000;
};
int cmd_trace(const TraceArgs& a);

// Reads a file ('-' = stdin). False with a message on failure.
bool read_file(const std::string& path, std::string& out, std::string& err);

}  // namespace nssim::cli
