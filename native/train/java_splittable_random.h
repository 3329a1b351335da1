// java.util.SplittableRandom's sequence (JDK 17+: SplitMix64 with the golden gamma, nextInt(bound) by
// rejection), so that the native fold loop shuffles each epoch exactly as the Java Trainer does: the same seed
// gives the same batches, and a fold trained natively equals the fold trained from Java.
#pragma once

#include <cstdint>
#include <numeric>
#include <vector>

namespace merba::train {

class JavaSplittableRandom {
 public:
  explicit JavaSplittableRandom(int64_t seed) : seed_(static_cast<uint64_t>(seed)) {}

  int32_t next_int() { return mix32(seed_ += kGoldenGamma); }

  // Uniform in [0, bound), bound > 0: java.util.random.RandomSupport.boundedNextInt.
  int32_t next_int(int32_t bound) {
    int32_t r = next_int();
    const int32_t m = bound - 1;
    if ((bound & m) == 0) return r & m;  // a power of two
    // Java's `u + m - r < 0` overflows on purpose: the arithmetic below wraps the same way.
    for (uint32_t u = static_cast<uint32_t>(r) >> 1;; u = static_cast<uint32_t>(next_int()) >> 1) {
      r = static_cast<int32_t>(u % static_cast<uint32_t>(bound));
      if (static_cast<int32_t>(u + static_cast<uint32_t>(m) - static_cast<uint32_t>(r)) >= 0) return r;
    }
  }

  // The Trainer's shuffle: Fisher–Yates from the last position down.
  std::vector<int64_t> permutation(int64_t n) {
    std::vector<int64_t> p(static_cast<size_t>(n));
    std::iota(p.begin(), p.end(), int64_t{0});
    for (int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[next_int(static_cast<int32_t>(i + 1))]);
    return p;
  }

 private:
  static constexpr uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ULL;
  static int32_t mix32(uint64_t z) {
    z = (z ^ (z >> 33)) * 0x62a9d9ed799705f5ULL;
    return static_cast<int32_t>(((z ^ (z >> 28)) * 0xcb24d0a5c88c35b3ULL) >> 32);
  }
  uint64_t seed_;
};

}  // namespace merba::train
