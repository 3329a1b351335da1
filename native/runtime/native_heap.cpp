#include "runtime/native_heap.h"

#include <malloc.h>

namespace merba::runtime {

// mallinfo2 needs glibc 2.33; the LibTorch binaries this library links need 2.35 already.
int64_t native_heap_bytes() {
  const struct mallinfo2 info = ::mallinfo2();
  return static_cast<int64_t>(info.uordblks + info.hblkhd);
}

}  // namespace merba::runtime
