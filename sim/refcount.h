// One refcounted base for every modelled kernel object, with a registry of
// live objects so that a leak is reported as "[UtsNamespace #7] refcount 2
// instead of 0" (after gVisor's refs leak checker).
//
// get()/put() mirror the kernel's refcount_inc()/refcount_dec_and_test():
// put() returns true when it dropped the last reference, and the caller then
// frees the object with the type's own free function (free_nsproxy(),
// free_uts_ns(), ...), exactly where the kernel does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nssim {

enum class ObjKind : uint8_t {
  NsProxy, UtsNamespace, IpcNamespace, MntNamespace, PidNamespace, NetNamespace,
  TimeNamespace, CgroupNamespace, UserNamespace, Cred, Pid, File, FilesStruct, FsStruct, Mount, Mm, Sock,
};
const char* obj_kind_name(ObjKind k);
[[noreturn]] void refcount_bug(const char* what, ObjKind kind, uint32_t id, uint32_t refs);

class ObjectRegistry;

// A bare reference count, for objects not kept in the registry.
class RefCount {
 public:
  RefCount(ObjKind kind, uint32_t id) : id_(id), kind_(kind) {}
  RefCount(const RefCount&) = delete;
  RefCount& operator=(const RefCount&) = delete;
  void get();
  [[nodiscard]] bool put();
  uint32_t refs() const { return refs_; }
  uint32_t id() const { return id_; }
  ObjKind kind() const { return kind_; }
  void force_zero() { refs_ = 0; }  // Kernel teardown only

 protected:
  ~RefCount();

 private:
  uint32_t refs_ = 1;
  uint32_t id_;
  ObjKind kind_;
};

// refcount_bug() aborts with a message naming the object; used for refcount
// misuse, which is always a bug in the model, never a user error.
inline void RefCount::get() {
  if (refs_ == 0) refcount_bug("get() on a freed object", kind_, id_, refs_);
  ++refs_;
}
inline bool RefCount::put() {
  if (refs_ == 0) refcount_bug("put() below zero", kind_, id_, refs_);
  return --refs_ == 0;
}
inline RefCount::~RefCount() {
  if (refs_ != 0) refcount_bug("freed with references left", kind_, id_, refs_);
}

class RefCounted {
 public:
  RefCounted(ObjectRegistry& reg, ObjKind kind, uint32_t id);
  // An object of a pooled type (sim/pool.h) the registry finds in its pool
  // when asked (ObjectRegistry::live()) instead of listing it: nsproxies,
  // made and freed on every setns, cost no list update.
  struct FoundInPool {};
  RefCounted(ObjectRegistry& reg, ObjKind kind, uint32_t id, FoundInPool)
      : reg_(&reg), id_(id), slot_(kNotListed), kind_(kind) {}
  RefCounted(const RefCounted&) = delete;
  RefCounted& operator=(const RefCounted&) = delete;

  // Always inline: a setns takes and drops references in its hot path.
  [[gnu::always_inline]] void get() {
    if (refs_ == 0) refcount_bug("get() on a freed object", kind_, id_, refs_);
    ++refs_;
  }
  // True when this dropped the last reference: the caller must free the object.
  [[nodiscard, gnu::always_inline]] bool put() {
    if (refs_ == 0) refcount_bug("put() below zero", kind_, id_, refs_);
    return --refs_ == 0;
  }
  uint32_t refs() const { return refs_; }
  uint32_t id() const { return id_; }
  ObjKind kind() const { return kind_; }
  std::string label() const;  // "UtsNamespace #7"

 protected:
  ~RefCounted();  // only the type's free function deletes, with refs() == 0
  // A new identity for a live object (NsProxy::renew(): setns's in-place
  // update); the registry finds objects by slot, never by id.
  void set_id(uint32_t id) { id_ = id; }

 private:
  friend class ObjectRegistry;
  static constexpr uint32_t kNotListed = 0xffffffffu;
  ObjectRegistry* reg_;
  uint32_t refs_ = 1;
  uint32_t id_;
  uint32_t slot_;  // index in reg_->live_, or kNotListed (FoundInPool)
  ObjKind kind_;
};

// Every live RefCounted object of one Kernel: a list with O(1) add/remove,
// plus the nsproxies, found in their pool on demand (FoundInPool).
class ObjectRegistry {
 public:
  // Every live object: the listed ones, then the nsproxies (O(pool slots)).
  std::vector<RefCounted*> live() const;
  // The listed ones only: every live object but the nsproxies.
  const std::vector<RefCounted*>& listed() const { return live_; }
  size_t count(ObjKind k) const;
  // One line per live object that is not in `allowed`, e.g.
  // "[UtsNamespace #7] refcount 2 instead of 0". Empty means no leak.
  std::vector<std::string> leaks(const std::vector<const RefCounted*>& allowed) const;

 private:
  friend class RefCounted;
  void remove(RefCounted* o) {
    RefCounted* last = live_.back();
    live_[o->slot_] = last;
    last->slot_ = o->slot_;
    live_.pop_back();
  }
  std::vector<RefCounted*> live_;
};

inline RefCounted::~RefCounted() {
  if (refs_ != 0) refcount_bug("freed with references left", kind_, id_, refs_);
  if (slot_ != kNotListed) reg_->remove(this);
}

}  // namespace nssim
