#pragma once

#include <cstdint>

namespace merba::runtime {

// Bytes currently allocated through malloc in this process (glibc's mallinfo2: arena chunks in use plus
// mmap'd blocks). LibTorch's CPU tensors live there; the JVM's heap does not, so growth of this number is
// native memory held by tensors and native objects. For tests and monitoring of leaks.
int64_t native_heap_bytes();

}  // namespace merba::runtime
