// Pictures of the model: task_struct -> nsproxy -> namespaces, drawn with
// Graphviz's own library (cgraph builds the graph, gvc lays it out and renders
// it), so names and labels are always escaped by Graphviz itself.
//
// Two stages, so that drawing is testable without a kernel:
//   snapshot(kernel)          plain values read through the model's public API
//   build_graph(cur, prev)    the Graphviz graph of `cur`, with what changed
//                             since `prev` highlighted
// Node names are derived from model ids, never addresses, so output is
// deterministic: task<id> (Task::id), nsproxy<id> (NsProxy id), ns<serial>
// (NsCommon::serial, unique even when an inode number is reused),
// tasks_nsproxy<id>_user<serial>_pid<serial>_<state> for a group of tasks drawn
// as one node. docs/pictures.md explains what is drawn and how.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/kernel.h"
#include "sim/runner.h"

struct Agraph_s;

namespace nssim::cli {

// The eight nsproxy slots, in struct nsproxy order (include/linux/nsproxy.h).
inline constexpr int kSlots = 8;
struct SlotInfo {
  const char* field;  // "pid_ns_for_children": the kernel's field name (shown)
  const char* port;   // "pid_for_children": the record port of the slot
  NsType type;
};
extern const std::array<SlotInfo, kSlots> kSlotInfo;

// Everything a picture shows, as plain values (no pointers into the model).
// Vectors are sorted by their id; only live objects are present.
struct ModelSnapshot {
  struct TaskV {
    uint32_t id = 0;  // Task::id
    std::string comm;
    TaskState state = TaskState::Running;
    std::vector<uint32_t> nspid;      // root pid namespace first
    std::optional<uint32_t> nsproxy;  // NsProxy id; none after exit_task_namespaces()
    std::optional<uint32_t> user_ns;  // serial of cred->user_ns
    std::optional<uint32_t> pid_ns;   // serial of the active pid namespace (struct pid)
    bool in_vfork = false;            // asleep in vfork() (drawn "vfork")
    // Snapshots of the live system (pictures/snapshot_graph.h): when set, replaces
    // the "pid N · state" line (e.g. "tid 815 of pid 812 · sleeping").
    std::string detail;
    std::string state_text;  // snapshots: the /proc state ("sleeping"), listed by a group of tasks
  };
  struct ProxyV {
    uint32_t id = 0;
    uint32_t count = 0;
    std::array<uint32_t, kSlots> slot{};  // namespace serials, kSlotInfo order; 0: unknown (snapshots)
    // Snapshots without BPF: not a kernel nsproxy (it could not be read) but the
    // tasks whose /proc links are the same, drawn as "links#ID".
    bool inferred = false;
  };
  struct NsV {
    uint32_t serial = 0;
    NsType type = NsType::Uts;
    uint32_t inum = 0;
    uint32_t refs = 0;
    bool initial = false;
    std::optional<uint32_t> owner;        // user namespace owning it (for a user namespace: its parent)
    std::optional<uint32_t> parent;       // pid and user namespaces
    std::optional<uint32_t> level;        // pid and user namespaces
    std::optional<std::string> hostname;  // uts
    // A pid namespace whose init has exited (disable_pid_allocation()): it
    // lives on while referenced, but no task can enter it any more. Drawn dashed.
    bool no_new_pids = false;
    bool refs_known = true;               // snapshots without BPF: `refs` is unknown (not drawn)
    std::vector<std::string> notes;       // snapshots: more label lines ("no process in it", "held by: ...")
  };
  // An open nsfs file, or a socket (its sock holds its net namespace): task
  // -> namespace. Tasks sharing a files_struct (CLONE_FILES) share the fd; it
  // is drawn once, from the first of them.
  struct FdPin {
    uint32_t task = 0;
    int fd = 0;
    uint32_t ns = 0;
    std::vector<std::string> shared_with;  // other tasks with the same fd table
    bool socket = false;
  };
  // A pidfd: task -> the task it refers to, or (once reaped) the pid
  // namespace its struct pid keeps.
  struct PidfdPin {
    uint32_t task = 0;
    int fd = 0;
    std::optional<uint32_t> target;  // task id while the struct pid has a task
    uint32_t pid_ns = 0;             // serial of the deepest level of the struct pid
    uint32_t nr = 0;                 // its number there
  };
  // A bind mount of an nsfs file: mount namespace -> namespace.
  struct MountPin {
    uint32_t id = 0;      // Mount id
    uint32_t mnt_ns = 0;  // serial of the mount namespace it lives in
    uint32_t ns = 0;      // serial of the namespace it keeps
    std::string mountpoint;
  };

  std::vector<TaskV> tasks;
  std::vector<ProxyV> nsproxies;
  std::vector<NsV> namespaces;
  std::vector<FdPin> fds;
  std::vector<PidfdPin> pidfds;
  std::vector<MountPin> mounts;
  // Snapshots (BPF): other files that pin a namespace no process is in — a
  // pidfd, a socket, a file's f_cred: task -> namespace, with its label.
  struct OtherPin {
    uint32_t task = 0;
    int fd = 0;
    uint32_t ns = 0;
    std::string label;   // "pidfd 16", "socket fd 5", "f_cred of fd 3"
    bool pidfd = false;  // drawn in the pidfd colour
  };
  std::vector<OtherPin> others;

  const TaskV* task(uint32_t id) const;
  const ProxyV* nsproxy(uint32_t id) const;
  const NsV* ns(uint32_t serial) const;
};

// Reads the model (public API only). O(objects).
ModelSnapshot snapshot(const Kernel& k);

struct DrawOptions {
  std::string title;     // first caption line, e.g. "02-fd-keeps-namespace-alive.nss"
  std::string subtitle;  // second line, e.g. "step 4 (line 6)  a: open(...) -> fd1 = fd1"
  // A group of tasks sharing an nsproxy is drawn task by task up to this many
  // tasks; above it, tasks with nothing of their own to show (no fd, not
  // changed in this step) are folded into one node per (user ns, pid ns, state).
  size_t max_tasks_per_group = 8;
  // With more live nsproxies than this, nsproxies of the same shape (same
  // shared namespaces, same kinds of namespaces of their own, same counts,
  // nothing changed in the step) are drawn once, as a stack.
  size_t max_nsproxies = 16;
  // With --real: the kernel's inode number of model namespaces (by serial).
  std::map<uint32_t, uint64_t> kernel_inum;
  bool legend = true;  // a one-line legend under the caption
  // When not empty: more caption rows after the subtitle, and the legend's
  // rows instead of the model's (snapshots of the live system).
  std::vector<std::string> caption_lines;
  std::vector<std::string> legend_lines;
  // --focus: draw only these links (kAllLinks names: "net", "pid_for_children",
  // "user", ...): the nsproxy rows of the slots among them, namespaces of
  // their types, the `cred` arc for "user" and the `pid` arc for "pid".
  // Empty: every link.
  std::vector<Link> focus;
  // --hide creds,pids: without the dotted cred -> user namespace and struct
  // pid -> pid namespace arcs of the tasks.
  bool hide_creds = false;
  bool hide_pids = false;
  // `let` names by namespace serial (Runner::lets(), inverted by
  // let_labels()): shown on the namespace's node, freed ones too.
  std::map<uint32_t, std::vector<std::string>> ns_names;
};

// Parses --focus "net,uts" (the /proc link names of kAllLinks; duplicates are
// kept once) and --hide "creds,pids". False with a message that lists what is
// accepted (e.g. "--focus: unknown link 'nett' (known: cgroup, ipc, ...)").
bool parse_focus(std::string_view list, std::vector<Link>& out, std::string& err);
bool parse_hide(std::string_view list, DrawOptions& out, std::string& err);

// name -> serial (Runner::lets()) to serial -> names, for DrawOptions::ns_names.
std::map<uint32_t, std::vector<std::string>> let_labels(const std::map<std::string, uint32_t>& lets);

// An owned Graphviz graph.
class Graph {
 public:
  Graph() = default;
  explicit Graph(Agraph_s* g) : g_(g) {}
  Graph(Graph&& o) noexcept : g_(o.g_) { o.g_ = nullptr; }
  Graph& operator=(Graph&& o) noexcept;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  ~Graph();
  Agraph_s* get() const { return g_; }

 private:
  Agraph_s* g_ = nullptr;
};

// The graph of `cur`; objects created in the step, or whose count changed
// since `prev`, are highlighted (prev null: nothing is). Objects of `prev`
// that are gone (reaped tasks, freed nsproxies and namespaces) are drawn
// faded — grey, dashed, "freed" — in this step only, and listed in the
// caption ("freed in this step: ...").
Graph build_graph(const ModelSnapshot& cur, const ModelSnapshot* prev, const DrawOptions& opt);

// DOT text of the graph as built (no layout attributes): deterministic for a
// given model state, independent of the Graphviz layout version.
std::string to_dot(const Graph& g);

enum class Format : uint8_t { Dot, Svg, Png, Pdf };
std::optional<Format> format_from_name(std::string_view s);  // "dot", "svg", "png", "pdf"
std::string_view format_name(Format f);

// Lays the graph out with dot and renders it in-process. Dot needs no layout
// (it is to_dot()). False, with Graphviz's message in `err`, on failure.
bool render(const Graph& g, Format f, std::string& out, std::string& err);

// Writes `data` to `path` ("" or "-": standard output). False with a
// message ("nssim: cannot write 'x.svg': Permission denied") on failure.
bool write_output(const std::string& path, std::string_view data, std::string& err);

// Checks early (before a long run) that `path` can be written, without
// truncating it. "" and "-" (standard output) always can.
bool check_writable(const std::string& path, std::string& err);

// The caption of a step: "step 4 · line 6 · a: open(\"/proc/b/ns/net\") -> fd1 = fd1";
// null is step 0, the initial state.
std::string step_caption(const StepRecord* r);

// The model at step `target` of `sc` (0: the initial state; the run's last step for
// `nssim graph --final`) and at the step before it, as `nssim graph --step` draws them.
// `at_target` runs when the target step has run, while `runner` still holds its state
// (the playground reads the ledger and the step's events there); null record: step 0.
struct StepState {
  std::optional<ModelSnapshot> want, want_prev;  // want unset: the run stopped before `target`
  std::string caption;                           // step_caption() of the target step
  std::map<uint32_t, std::vector<std::string>> ns_names;  // let labels at the target step
  RunSummary summary;
};
StepState replay_to_step(const Scenario& sc, int target, const Runner::Options& opt,
                         const std::function<void(const StepRecord*, Runner&)>& at_target = nullptr);

// The <svg> element of an SVG document (drops the XML prolog, doctype and
// comments before it), for embedding in HTML.
std::string svg_element(std::string_view svg_document);

}  // namespace nssim::cli
