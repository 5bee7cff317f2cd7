// Counts heap allocations made through operator new on this thread (the
// model allocates only that way), at the cost of two thread-local increments.
// Used for "allocations per call" and requested bytes; the heap footprint
// (with malloc's own overhead) comes from mallinfo2() in heap_in_use().
#pragma once

#include <cstddef>
#include <cstdint>

namespace nssim::bench {

struct AllocCount {
  uint64_t allocs = 0;  // operator new calls
  uint64_t frees = 0;   // operator delete calls (non-null)
  uint64_t bytes = 0;   // bytes requested from operator new
};
AllocCount alloc_count();
// Bytes of heap in use (mallinfo2: arena chunks in use + mmapped chunks).
size_t heap_in_use();

}  // namespace nssim::bench
