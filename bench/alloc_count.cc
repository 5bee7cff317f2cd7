// Replaces the global operator new/delete of nssim-bench with counting
// versions over malloc/free.
#include "bench/alloc_count.h"

#include <malloc.h>

#include <cstdlib>
#include <new>

namespace nssim::bench {
namespace {
thread_local AllocCount t_count;

void* counted_alloc(std::size_t n) {
  ++t_count.allocs;
  t_count.bytes += n;
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  return p;
}
void counted_free(void* p) noexcept {
  if (!p) return;
  ++t_count.frees;
  std::free(p);
}
}  // namespace

AllocCount alloc_count() { return t_count; }

size_t heap_in_use() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

}  // namespace nssim::bench

using nssim::bench::counted_alloc;
using nssim::bench::counted_free;

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }
