#include "support/test_harness.h"

#include <chrono>
#include <cstdio>
#include <exception>

namespace merba::test {

std::vector<TestCase>& registry() {
  static std::vector<TestCase> tests;
  return tests;
}

}  // namespace merba::test

int main(int argc, char** argv) {
  const std::string filter = argc > 1 ? argv[1] : "";
  int passed = 0, failed = 0;
  for (const auto& test : merba::test::registry()) {
    if (!filter.empty() && test.name.find(filter) == std::string::npos) continue;
    const auto start = std::chrono::steady_clock::now();
    std::string error;
    try {
      test.body();
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      error = "unknown exception";
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (error.empty()) {
      ++passed;
      std::printf("[  OK  ] %s (%.0f ms)\n", test.name.c_str(), ms);
    } else {
      ++failed;
      std::printf("[ FAIL ] %s (%.0f ms)\n         %s\n", test.name.c_str(), ms, error.c_str());
    }
    std::fflush(stdout);
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
