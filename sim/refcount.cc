#include "sim/refcount.h"

#include "sim/objects.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace nssim {

const char* obj_kind_name(ObjKind k) {
  switch (k) {
    case ObjKind::NsProxy: return "NsProxy";
    case ObjKind::UtsNamespace: return "UtsNamespace";
    case ObjKind::IpcNamespace: return "IpcNamespace";
    case ObjKind::MntNamespace: return "MntNamespace";
    case ObjKind::PidNamespace: return "PidNamespace";
    case ObjKind::NetNamespace: return "NetNamespace";
    case ObjKind::TimeNamespace: return "TimeNamespace";
    case ObjKind::CgroupNamespace: return "CgroupNamespace";
    case ObjKind::UserNamespace: return "UserNamespace";
    case ObjKind::Cred: return "Cred";
    case ObjKind::Pid: return "Pid";
    case ObjKind::File: return "File";
    case ObjKind::FilesStruct: return "FilesStruct";
    case ObjKind::FsStruct: return "FsStruct";
    case ObjKind::Mount: return "Mount";
    case ObjKind::Mm: return "Mm";
    case ObjKind::Sock: return "Sock";
  }
  return "?";
}

void refcount_bug(const char* what, ObjKind kind, uint32_t id, uint32_t refs) {
  std::fprintf(stderr, "nssim: model bug: [%s #%u] %s (refcount %u)\n", obj_kind_name(kind), id, what,
               refs);
  std::abort();
}

RefCounted::RefCounted(ObjectRegistry& reg, ObjKind kind, uint32_t id)
    : reg_(&reg), id_(id), slot_(static_cast<uint32_t>(reg.live_.size())), kind_(kind) {
  reg.live_.push_back(this);
}

std::vector<RefCounted*> ObjectRegistry::live() const {
  std::vector<RefCounted*> out = live_;
  NsProxy::for_each_live([&](NsProxy* p) {
    if (p->reg_ == this) out.push_back(p);
  });
  return out;
}

uint32_t intern_caps(const CapSets& c) {
  auto& t = cap_table();
  if (t.empty()) t.push_back(CapSets{});  // id 0
  for (size_t i = 0; i < t.size(); ++i)
    if (t[i] == c) return static_cast<uint32_t>(i);
  t.push_back(c);
  return static_cast<uint32_t>(t.size() - 1);
}

std::string RefCounted::label() const { return std::string(obj_kind_name(kind_)) + " #" + std::to_string(id_); }

size_t ObjectRegistry::count(ObjKind k) const {
  std::vector<RefCounted*> v = live();
  return static_cast<size_t>(std::count_if(v.begin(), v.end(), [k](auto* o) { return o->kind() == k; }));
}

std::vector<std::string> ObjectRegistry::leaks(const std::vector<const RefCounted*>& allowed) const {
  std::vector<RefCounted*> v = live();
  std::vector<const RefCounted*> sorted(v.begin(), v.end());
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) {
    return a->kind() != b->kind() ? a->kind() < b->kind() : a->id() < b->id();
  });
  std::vector<std::string> out;
  for (auto* o : sorted) {
    if (std::find(allowed.begin(), allowed.end(), o) != allowed.end()) continue;
    out.push_back("[" + o->label() + "] refcount " + std::to_string(o->refs()) + " instead of 0");
  }
  return out;
}

}  // namespace nssim
