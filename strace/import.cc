#include "strace/import.h"

#include <fmt/format.h>

#include <cctype>
#include <sstream>

namespace nssim::strace {

std::vector<std::string> trace_options() {
  return {"-f",
          "-q",
          "-yy",
          "--decode-pids=pidns",
          "-s",
          "4096",
          "-e",
          "trace=clone,clone3,fork,vfork,execve,execveat,exit,exit_group,wait4,waitid,unshare,setns,open,"
          "openat,openat2,creat,close,close_range,dup,dup2,dup3,fcntl,pidfd_open,socket,socketpair,accept,accept4,"
          "sendmsg,recvmsg,sendmmsg,recvmmsg,mount,umount2,ioctl,"
          "sethostname,setdomainname,write,readlink,readlinkat,setuid,setgid,setresuid,setresgid,setreuid,"
          "setregid,setfsuid,setfsgid,setgroups,capset,prctl,kill,tkill,tgkill,pidfd_send_signal,chroot,"
          "pivot_root"};
}

std::string ident_of(std::string s) {
  std::string o;
  for (char c : s) o += std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ? c : '_';
  if (o.empty() || !std::isalpha(static_cast<unsigned char>(o[0]))) o = "t" + o;
  return o;
}

std::map<int, std::string> comm_names(const std::vector<Event>& evs) {
  std::map<int, std::string> first;
  for (auto& e : evs) {
    if (e.kind != Event::Syscall || first.count(e.pid)) continue;
    const Call& c = e.call;
    if ((c.name == "execve" || c.name == "execveat") && !c.ret.failed() && !c.ret.unknown) {
      if (auto p = parse_string(c.args.empty() ? "" : c.args[c.name == "execve" ? 0 : 1])) {
        std::string b = p->substr(p->rfind('/') == std::string::npos ? 0 : p->rfind('/') + 1);
        first[e.pid] = ident_of(b);
      }
    }
  }
  std::map<int, std::string> out;
  std::map<std::string, int> seen;
  for (auto& [pid, n] : first) {
    int k = ++seen[n];
    out[pid] = k == 1 ? n : fmt::format("{}-{}", n, k);
  }
  return out;
}

LogRead read_log(std::string_view src) {
  LogRead r;
  {
    std::istringstream is{std::string(src)};
    std::string l;
    while (std::getline(is, l)) r.lines.push_back(l);
  }
  Reader reader;
  for (size_t i = 0; i < r.lines.size(); ++i) reader.feed(r.lines[i], static_cast<int>(i + 1), r.events, r.errors);
  r.pending = reader.pending();
  r.decorations = reader.saw_decorations();
  return r;
}

Imported import_events(const std::vector<Event>& evs, const SessionOptions& opt, const RenderOptions& ro) {
  Imported im;
  im.session = std::make_unique<Session>(opt);
  for (auto& e : evs) im.session->feed(e, im.outs);
  im.session->finish(im.outs, im.errors);
  if (im.errors.empty()) im.scenario = render_scenario(*im.session, im.outs, ro);
  return im;
}

}  // namespace nssim::strace
