// Per-type free lists for the model's small, hot objects (tasks, creds, struct
// pids, nsproxies, files): objects come from 64-object slabs and go back to a
// free list, so a fork+exit+wait costs no malloc once the pool is warm and
// carries no per-object malloc header. Slabs are never returned (the pool
// keeps its high-water mark). Not thread-safe: one model runs on one thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <new>
#include <vector>

namespace nssim {

// Bytes of all pools: slabs taken from the heap, and slots holding live
// objects. A measurement of the model's memory counts live slots, not slabs
// (a warm pool reuses slabs an earlier model left): heap - slabs + live.
struct PoolStats {
  static inline std::size_t slab_bytes = 0;
  static inline std::size_t live_bytes = 0;
};

template <class T>
class Pooled {
 public:
  static void* operator new(std::size_t n) {
    if (n != sizeof(T)) return ::operator new(n);  // a derived type: plain heap
    if (!free_) refill();
    Node* p = free_;
    free_ = p->next;
    PoolStats::live_bytes += kSlot;
    return p;
  }
  // Calls f(T*) for every object of this pool that is alive (of any
  // Kernel): every slot of every slab that is not on the free list. On
  // demand only (leak checks, the ledger): O(slots log slots).
  template <class F>
  static void for_each_live(F&& f) {
    std::vector<const void*> free_slots;
    for (Node* n = free_; n; n = n->next) free_slots.push_back(n);
    std::sort(free_slots.begin(), free_slots.end(), std::less<>());
    for (unsigned char* slab : slabs_)
      for (std::size_t i = 0; i < kPerSlab; ++i) {
        void* slot = slab + i * kSlot;
        if (!std::binary_search(free_slots.begin(), free_slots.end(), slot, std::less<>())) f(static_cast<T*>(slot));
      }
  }
  static void operator delete(void* p, std::size_t n) {
    if (!p) return;
    if (n != sizeof(T)) {
      ::operator delete(p);
      return;
    }
    auto* node = static_cast<Node*>(p);
    PoolStats::live_bytes -= kSlot;
    node->next = free_;
    free_ = node;
  }

 private:
  struct Node {
    Node* next;
  };
  static constexpr std::size_t kSlot = sizeof(T) < sizeof(Node) ? sizeof(Node) : sizeof(T);
  static constexpr std::size_t kPerSlab = 64;
  static void refill() {
    auto* slab = static_cast<unsigned char*>(::operator new(kSlot * kPerSlab));
    PoolStats::slab_bytes += kSlot * kPerSlab;
    slabs_.push_back(slab);
    for (std::size_t i = kPerSlab; i-- > 0;) {
      auto* node = reinterpret_cast<Node*>(slab + i * kSlot);
      node->next = free_;
      free_ = node;
    }
  }
  static inline Node* free_ = nullptr;
  static inline std::vector<unsigned char*> slabs_;  // every slab, for for_each_live()
};

}  // namespace nssim
