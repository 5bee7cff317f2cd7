// A recorded strace log, whole (`nssim import LOG`, cli/cmd_import.cc): read
// into events (strace/log.h), replayed on the model (strace/session.h) and
// rendered as a scenario. Also the strace command line `nssim trace -- CMD`
// runs (cli/cmd_trace_cmd.cc).
#pragma once

#include <array>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "strace/log.h"
#include "strace/session.h"

namespace nssim::strace {

// The strace options nssim uses (-f -yy, pid translation, the namespace calls).
std::vector<std::string> trace_options();

// A task name from a program name: letters, digits, '_' and '-', starting with a letter.
std::string ident_of(std::string s);

// Each pid named after the first program it runs (`--names comm`); pids that run none are left out.
std::map<int, std::string> comm_names(const std::vector<Event>& evs);

// A whole log through the Reader: its lines (as std::getline splits them),
// the complete events, the malformed lines, and the calls never completed.
struct LogRead {
  std::vector<std::string> lines;
  std::vector<Event> events;
  std::vector<LogError> errors;
  std::vector<std::tuple<int, int, std::string>> pending;  // (line, pid, name)
  bool decorations = false;                                // any -yy decoration
};
LogRead read_log(std::string_view src);

// `strace -ff -tt [-T] -o LOG`: one file per process, LOG.PID, without a pid
// column. Merged into one log in the order the calls returned (-tt's start
// time plus -T's duration when the line has one; equal times keep file
// order), each line prefixed with its pid; origin[i] is where merged line i+1 came
// from. False with `err` when a line has no -tt/-ttt timestamp to merge by.
struct Origin {
  std::string file;
  int line = 0;
};
struct PerProcessFile {
  int pid = 0;
  std::string file;  // for messages
  std::string text;
};
bool merge_per_process(const std::vector<PerProcessFile>& files, std::string& merged, std::vector<Origin>& origin,
                       std::string& err);
// The LOG.PID files next to LOG (sorted by pid); empty when there are none.
std::vector<std::pair<int, std::string>> per_process_files(const std::string& log);

// A log that starts mid-life (`strace -p PID1 -p PID2`): the pids that no
// clone, fork or vfork of the log made and that existed before it (each
// appears before any clone whose result the log does not otherwise account
// for). Empty when only the first pid is such (an ordinary `strace -f CMD`
// log); otherwise the first pid is one too. With each, the inodes of its
// /proc/PID/ns links the log shows (open/readlink of /proc/self/ns/X,
// /proc/thread-self/ns/X or /proc/PID/ns/X) before it calls unshare or setns.
// `parents` (optional): an existing pid -> the existing pid that reaps it (its parent).
// `threads` (optional): an existing pid -> the existing pid whose thread it is,
// when the log shows it: it reaps (wait4) a child another existing pid cloned,
// that pid not having exited yet (Go daemons: one thread forks, another waits).
std::map<int, std::array<uint64_t, kLinks>> existing_pids(const std::vector<Event>& evs,
                                                          std::map<int, int>* parents = nullptr,
                                                          std::map<int, int>* threads = nullptr);

// The events of a log that read cleanly, replayed on the model, and the scenario.
struct Imported {
  std::unique_ptr<Session> session;
  std::vector<Output> outs;
  std::vector<LogError> errors;  // from Session::finish (pids never created...)
  std::string scenario;          // empty when errors is not
};
Imported import_events(const std::vector<Event>& evs, const SessionOptions& opt, const RenderOptions& ro);

}  // namespace nssim::strace
