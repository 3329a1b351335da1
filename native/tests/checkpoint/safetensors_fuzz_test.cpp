// Random mutations of a valid checkpoint, thousands of them in bounded time: the reader never crashes, never
// hangs and never throws anything but CheckpointError, whatever the bytes (MERBA_FUZZ_ITERATIONS sets the count;
// MERBA_FUZZ_SEED the generator).
#include <ATen/ATen.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "checkpoint/checkpoint.h"
#include "checkpoint/checkpoint_error.h"
#include "checkpoint/safetensors_file.h"
#include "support/test_harness.h"

using namespace merba;
namespace fs = std::filesystem;

namespace {

std::string valid_file(const std::string& path) {
  checkpoint::NamedTensors tensors{{"a.weight", at::randn({4, 3})},
                                   {"b.bias", at::arange(5, at::kLong)},
                                   {"c.half", at::ones({2, 2}, at::kHalf)},
                                   {"d.empty", at::zeros({0, 3})},
                                   {"e.scalar", at::scalar_tensor(2.5)}};
  checkpoint::write_checkpoint(path, checkpoint::kModelFormat, tensors,
                               {{"config", "{\"dims\":[8,16]}"}, {"labels", "{\"name\":\"é\\u00e9\"}"}});
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// One random change of the kind that breaks parsers: a flipped bit, a byte set to a JSON-significant character,
// a deletion, an insertion, a truncation, a changed length prefix, or a copied span.
std::string mutate(std::string bytes, std::mt19937_64& random) {
  auto pick = [&](size_t n) { return n == 0 ? size_t(0) : static_cast<size_t>(random() % n); };
  static const std::string significant = "{}[]\":,\\0123456789-+.eEu \x7f\xff\xc3";
  const int kind = static_cast<int>(random() % 8);
  // Most changes land in the first few hundred bytes: the length prefix and the header.
  const size_t span = std::min<size_t>(bytes.size(), random() % 4 == 0 ? bytes.size() : 400);
  switch (kind) {
    case 0: bytes[pick(span)] ^= static_cast<char>(1u << (random() % 8)); break;
    case 1: bytes[pick(span)] = significant[pick(significant.size())]; break;
    case 2: bytes.erase(pick(span), 1 + pick(8)); break;
    case 3: bytes.insert(pick(span), std::string(1 + pick(8), significant[pick(significant.size())])); break;
    case 4: bytes.resize(pick(bytes.size())); break;
    case 5: {
      uint64_t n = 0;
      std::memcpy(&n, bytes.data(), std::min<size_t>(8, bytes.size()));
      const uint64_t choices[] = {0, n + 1, n - 1, n * 2, ~uint64_t{0}, uint64_t{1} << 40, random()};
      n = choices[pick(7)];
      if (bytes.size() >= 8) std::memcpy(bytes.data(), &n, 8);
      break;
    }
    case 6: {
      const size_t from = pick(span), length = pick(32);
      bytes.insert(pick(span), bytes.substr(from, length));
      break;
    }
    default: {
      // Replace a digit run (an offset, a shape, a length) by another number.
      const size_t at = bytes.find_first_of("0123456789", 8 + pick(span > 8 ? span - 8 : 1));
      if (at != std::string::npos) bytes.replace(at, 1, std::to_string(random() % 100000));
    }
  }
  return bytes;
}

}  // namespace

TEST(random_mutations_of_a_checkpoint_give_checkpoint_errors_only) {
  const char* iterations_env = std::getenv("MERBA_FUZZ_ITERATIONS");
  const char* seed_env = std::getenv("MERBA_FUZZ_SEED");
  const int iterations = iterations_env ? std::atoi(iterations_env) : 3000;
  std::mt19937_64 random(seed_env ? std::strtoull(seed_env, nullptr, 10) : 20261129);
  const fs::path dir = fs::temp_directory_path() / ("merba-fuzz-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string original = valid_file((dir / "valid.safetensors").string());
  const std::string path = (dir / "mutated.safetensors").string();
  int refused = 0, accepted = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) {
    std::string bytes = original;
    const int changes = 1 + static_cast<int>(random() % 3);
    for (int c = 0; c < changes; ++c) bytes = mutate(std::move(bytes), random);
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    try {
      checkpoint::SafetensorsFile file = checkpoint::open_checkpoint(path, checkpoint::kModelFormat);
      for (const auto& entry : file.entries()) (void)file.read(entry);
      ++accepted;
    } catch (const checkpoint::CheckpointError&) {
      ++refused;
    } catch (const std::exception& e) {
      fs::remove_all(dir);
      merba::test::fail(__FILE__, __LINE__, "mutation " + std::to_string(i) + " threw " + e.what() +
                                                " instead of a CheckpointError");
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fs::remove_all(dir);
  std::printf("         %d mutated files: %d refused, %d accepted (harmless changes), %.1f s\n", iterations, refused,
              accepted, seconds);
  EXPECT_TRUE(refused > iterations / 2);
}
