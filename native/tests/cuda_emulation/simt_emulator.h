// Runs CUDA kernel source on the CPU, for machines without a GPU: each thread of a block is an OS thread,
// blocks run one after another (so their shared arrays can be function-local statics), and every warp-level
// or block-level primitive the scan kernels use (__syncwarp, __syncthreads, __shfl_*_sync) is a rendezvous
// of all the block's live threads; atomicAdd takes a lock.
//
// A block's dynamic shared memory (`dynamic_shared<Acc>()` in the kernels) is a buffer of the launch's size,
// filled with 0xFF bytes (NaN in float and double) before every block, so that a kernel that reads shared
// memory it did not write in this block gets NaN rather than a plausible leftover.
//
// This checks the kernels' algorithm and index arithmetic (scans, chunk carries, reductions, strides) with
// the kernels' own source; it says nothing about timing, the memory model or code generation on a GPU.
// It relies on the kernels calling those primitives in block-uniform control flow, which they must do on
// a GPU too (a warp that leaves early leaves for good: its threads drop out of the rendezvous).
//
// Bank conflicts, which the emulator can count where a GPU would need a profiler: kernels mark their shared-memory
// tile accesses (MERBA_SHARED_ACCESS, and MERBA_SHARED_PHASE where a warp's threads start a new sequence of them),
// and while a SharedAccessLog records, the k-th access of each thread after its latest phase mark is taken to be
// the same instruction for the whole warp (the kernels' tile loops are warp-uniform apart from their tails, where
// the lanes that drop out simply make fewer accesses). bank_wavefronts() then counts wavefronts as the hardware
// serves them: 32 banks of 4 bytes; one request per warp for 4-byte accesses, per half-warp for 8-byte and per
// quarter-warp for 16-byte ones; as many wavefronts as distinct words in the busiest bank (one word read by
// several lanes is a broadcast).
//
// Include this before any kernel header, compiled by the host compiler with the CUDA toolkit's include
// folder (cuda_fp16.h and cuda_bf16.h have host implementations).
#pragma once

// Tells the kernel headers that the emulator provides the block's dynamic shared memory.
#define MERBA_SIMT_EMULATOR 1

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <vector_types.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

// Host compilation: a block's shared arrays become function-local statics, shared by the block's threads
// (blocks do not overlap in time).
#undef __shared__
#define __shared__ static
#ifndef __launch_bounds__
#define __launch_bounds__(...)
#endif

namespace merba::simt {

struct BlockState {
  explicit BlockState(unsigned threads) : rendezvous(threads), slots(threads) {}
  std::barrier<> rendezvous;
  std::vector<double> slots;  // one exchange slot per thread: float and double both fit exactly
};

inline thread_local BlockState* current_block = nullptr;
inline thread_local uint3 current_thread{};
inline thread_local uint3 current_block_index{};
inline dim3 current_block_dim, current_grid_dim;
inline std::mutex atomic_mutex;
inline unsigned char* current_dynamic_shared = nullptr;

// One recorded shared-memory access: the instruction it belongs to (block, warp, phase, position in the phase),
// the lane, its byte offset in the block's dynamic shared memory and its width.
struct SharedAccess {
  unsigned launch, block, warp, phase, position, lane;
  std::ptrdiff_t offset;
  unsigned bytes;
};

inline std::atomic<bool> recording_shared{false};
inline unsigned launches_recorded = 0;  // launches since the log began: which one an access was made in
inline std::mutex shared_log_mutex;
inline std::vector<SharedAccess> shared_log;
inline thread_local unsigned phase_launch = ~0u, phase_block = ~0u, phase = 0, phase_position = 0;

inline unsigned linear_block() { return current_block_index.y * current_grid_dim.x + current_block_index.x; }

// A thread's phases count from 0 in every block of every launch.
inline void enter_block_phases() {
  if (phase_launch == launches_recorded && phase_block == linear_block()) return;
  phase_launch = launches_recorded, phase_block = linear_block(), phase = 0, phase_position = 0;
}

inline void shared_phase() {
  if (!recording_shared) return;
  enter_block_phases();
  ++phase;
  phase_position = 0;
}

inline void record_shared(const void* address, unsigned bytes) {
  if (!recording_shared) return;
  enter_block_phases();
  const std::ptrdiff_t offset = static_cast<const unsigned char*>(address) - current_dynamic_shared;
  std::lock_guard<std::mutex> lock(shared_log_mutex);
  shared_log.push_back({launches_recorded - 1, linear_block(), current_thread.x / 32, phase, phase_position++,
                        current_thread.x % 32, offset, bytes});
}

// Records the marked shared-memory accesses of the launches made during its lifetime.
class SharedAccessLog {
 public:
  SharedAccessLog() {
    shared_log.clear();
    launches_recorded = 0;
    recording_shared = true;
  }
  ~SharedAccessLog() { recording_shared = false; }
  SharedAccessLog(const SharedAccessLog&) = delete;
  SharedAccessLog& operator=(const SharedAccessLog&) = delete;
  // Those of the n-th launch (0-based) since the log began.
  std::vector<SharedAccess> of_launch(unsigned n) const {
    std::vector<SharedAccess> out;
    for (const SharedAccess& a : shared_log) {
      if (a.launch == n) out.push_back(a);
    }
    return out;
  }
};

// Wavefronts the recorded accesses take, and the fewest that requests of their widths could take (one per
// request that any lane makes).
struct Wavefronts {
  long taken = 0, fewest = 0;
  double excess() const {
    return fewest == 0 ? 0.0 : static_cast<double>(taken - fewest) / static_cast<double>(fewest);
  }
};

inline Wavefronts bank_wavefronts(const std::vector<SharedAccess>& accesses) {
  // (instruction, request within it) → bank → distinct words.
  std::map<std::tuple<unsigned, unsigned, unsigned, unsigned, unsigned, unsigned>, std::map<long, std::set<long>>>
      requests;
  for (const SharedAccess& a : accesses) {
    const unsigned lanes_per_request = a.bytes >= 16 ? 8 : a.bytes == 8 ? 16 : 32;
    auto& banks = requests[{a.launch, a.block, a.warp, a.phase, a.position, a.lane / lanes_per_request}];
    for (long word = a.offset / 4; word < (a.offset + static_cast<long>(a.bytes) + 3) / 4; ++word) {
      banks[word % 32].insert(word);
    }
  }
  Wavefronts w;
  for (const auto& [request, banks] : requests) {
    std::size_t busiest = 0;
    for (const auto& [bank, words] : banks) busiest = std::max(busiest, words.size());
    w.taken += static_cast<long>(busiest);
    ++w.fewest;
  }
  return w;
}

// cp.async as the kernels use it (copy_to_shared_async, wait_for_tile_copies in cuda/scan_short_tile.cuh): a
// thread's copies are held back until it waits, the latest a GPU could complete them, so that a read before the wait
// sees the NaN shared memory starts with. A copy still pending when the thread's block ends is an error the launch
// reports. With MERBA_SIMT_COPIES=early in the environment they land at once instead, the earliest a GPU could
// complete them, so that a copy overwriting a tile other threads still read (a missing barrier before it) shows.
struct PendingCopy {
  void* dst;
  const void* src;
  unsigned bytes;
};
inline thread_local std::vector<PendingCopy> pending_copies;
inline std::atomic<long> copies_never_waited_for{0};
inline const bool copies_land_at_issue = [] {
  const char* mode = std::getenv("MERBA_SIMT_COPIES");
  return mode != nullptr && std::string(mode) == "early";
}();

inline void copy_async(void* dst, const void* src, unsigned bytes) {
  if (copies_land_at_issue) std::memcpy(dst, src, bytes);
  else pending_copies.push_back({dst, src, bytes});
}

inline void wait_async_copies() {
  for (const PendingCopy& c : pending_copies) std::memcpy(c.dst, c.src, c.bytes);
  pending_copies.clear();
}

// Every live thread of the block posts `value`, then reads the slot of thread `source(own index)`.
template <typename T, typename Source>
T exchange(T value, Source source) {
  BlockState& b = *current_block;
  const unsigned self = current_thread.x;
  b.slots[self] = static_cast<double>(value);
  b.rendezvous.arrive_and_wait();
  const T result = static_cast<T>(b.slots[source(self)]);
  b.rendezvous.arrive_and_wait();  // nobody overwrites a slot before everyone has read
  return result;
}

// Runs kernel(args...) over the grid, block after block, on one OS thread per thread of a block (the same
// threads for every block: creating threads is what an emulated launch mostly costs), with `shared_bytes`
// of dynamic shared memory per block.
template <typename Kernel, typename... Args>
void launch(dim3 grid, dim3 block, std::size_t shared_bytes, Kernel kernel, const Args&... args) {
  current_block_dim = block;
  current_grid_dim = grid;
  if (recording_shared) ++launches_recorded;
  std::vector<std::unique_ptr<BlockState>> blocks;  // fresh rendezvous counts for every block
  for (unsigned i = 0; i < grid.x * grid.y; ++i) blocks.push_back(std::make_unique<BlockState>(block.x));
  // 16-byte aligned, as a GPU's dynamic shared memory: the kernels' 16-byte paths check it and would otherwise fall
  // back to element-wise copies unnoticed.
  struct alignas(16) Block16 {
    unsigned char bytes[16];
  };
  std::vector<Block16> shared((shared_bytes + 15) / 16);
  auto poison = [&]() noexcept { std::memset(shared.data(), 0xFF, shared.size() * sizeof(Block16)); };
  poison();
  current_dynamic_shared = reinterpret_cast<unsigned char*>(shared.data());
  std::barrier between_blocks(block.x, poison);
  std::vector<std::thread> threads;
  threads.reserve(block.x);
  for (unsigned t = 0; t < block.x; ++t) {
    threads.emplace_back([&, t] {
      current_thread = uint3{t, 0, 0};
      for (unsigned by = 0, i = 0; by < grid.y; ++by) {
        for (unsigned bx = 0; bx < grid.x; ++bx, ++i) {
          current_block = blocks[i].get();
          current_block_index = uint3{bx, by, 0};
          kernel(args...);
          copies_never_waited_for += static_cast<long>(pending_copies.size());
          pending_copies.clear();
          current_block->rendezvous.arrive_and_drop();  // a thread that is done no longer holds the others
          between_blocks.arrive_and_wait();
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  if (const long lost = copies_never_waited_for.exchange(0); lost > 0) {
    throw std::logic_error("emulated kernel: " + std::to_string(lost) +
                           " asynchronous copies to shared memory were never waited for");
  }
}

}  // namespace merba::simt

namespace merba::cuda {
template <typename Acc>
Acc* dynamic_shared() {
  return reinterpret_cast<Acc*>(::merba::simt::current_dynamic_shared);
}
}  // namespace merba::cuda

#define MERBA_SHARED_PHASE() ::merba::simt::shared_phase()
#define MERBA_SHARED_ACCESS(address, bytes) ::merba::simt::record_shared((address), static_cast<unsigned>(bytes))

#define threadIdx (::merba::simt::current_thread)
#define blockIdx (::merba::simt::current_block_index)
#define blockDim (::merba::simt::current_block_dim)

inline void __syncthreads() { merba::simt::current_block->rendezvous.arrive_and_wait(); }
inline void __syncwarp(unsigned = 0xffffffffu) { merba::simt::current_block->rendezvous.arrive_and_wait(); }

// Shuffles within segments of `width` lanes (a power of two ≤ 32), as on the GPU: a source outside the
// segment returns the caller's own value.
template <typename T>
T __shfl_sync(unsigned, T value, int source_lane, int width = 32) {
  return merba::simt::exchange(value, [&](unsigned self) { return (self & ~unsigned(width - 1)) + unsigned(source_lane % width); });
}
template <typename T>
T __shfl_up_sync(unsigned, T value, unsigned delta, int width = 32) {
  return merba::simt::exchange(value, [&](unsigned self) { return self % unsigned(width) >= delta ? self - delta : self; });
}
template <typename T>
T __shfl_down_sync(unsigned, T value, unsigned delta, int width = 32) {
  return merba::simt::exchange(value, [&](unsigned self) { return self % unsigned(width) + delta < unsigned(width) ? self + delta : self; });
}
template <typename T>
T __shfl_xor_sync(unsigned, T value, int mask, int width = 32) {
  return merba::simt::exchange(value, [&](unsigned self) {
    const unsigned base = self & ~unsigned(width - 1), source = (self % unsigned(width)) ^ unsigned(mask);
    return source < unsigned(width) ? base + source : self;
  });
}

template <typename T>
T atomicAdd(T* address, T value) {
  std::lock_guard<std::mutex> lock(merba::simt::atomic_mutex);
  const T old = *address;
  *address = old + value;
  return old;
}
