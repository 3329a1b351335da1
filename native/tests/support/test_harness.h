// A minimal test harness: self-registering test functions, expectation macros that report the failing
// expression and values, and a main() that runs every test (or those matching argv[1]) and ends with
// "N passed, M failed". Dependency-free on purpose: the build may only fetch what Maven fetches.
#pragma once

#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace merba::test {

struct TestCase {
  std::string name;
  std::function<void()> body;
};

std::vector<TestCase>& registry();

struct Registrar {
  Registrar(const char* name, std::function<void()> body) { registry().push_back({name, std::move(body)}); }
};

// Thrown by a failed expectation; the runner catches it and reports the message.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail(const char* file, int line, const std::string& message) {
  std::ostringstream s;
  s << file << ":" << line << ": " << message;
  throw Failure(s.str());
}

// Runs `check` on every case of a table (each with a `name`), collecting failures, then fails once listing them
// all: a broken row does not hide the rows after it.
template <typename Case, typename Check>
void for_each_case(const char* file, int line, const std::vector<Case>& cases, Check check) {
  std::vector<std::string> failures;
  for (const Case& c : cases) {
    try {
      check(c);
    } catch (const Failure& f) {
      failures.push_back("[" + c.name + "] " + f.what());
    } catch (const std::exception& e) {
      failures.push_back("[" + c.name + "] unexpected exception: " + e.what());
    }
  }
  if (failures.empty()) return;
  std::string message = std::to_string(failures.size()) + " of " + std::to_string(cases.size()) + " cases failed:";
  for (const auto& f : failures) message += "\n           " + f;
  fail(file, line, message);
}

}  // namespace merba::test

#define FOR_EACH_CASE(cases, check) ::merba::test::for_each_case(__FILE__, __LINE__, cases, check)

#define MERBA_CONCAT_INNER(a, b) a##b
#define MERBA_CONCAT(a, b) MERBA_CONCAT_INNER(a, b)

#define TEST(name)                                                                            \
  static void name();                                                                         \
  static ::merba::test::Registrar MERBA_CONCAT(name, _registrar)(#name, &name);               \
  static void name()

#define EXPECT_TRUE(cond)                                                                     \
  do {                                                                                        \
    if (!(cond)) ::merba::test::fail(__FILE__, __LINE__, "expected: " #cond);                 \
  } while (0)

// EXPECT_TRUE with a message that says what was seen (a std::string expression, built only on failure).
#define EXPECT_TRUE_MSG(cond, message)                                                        \
  do {                                                                                        \
    if (!(cond)) ::merba::test::fail(__FILE__, __LINE__, std::string("expected: " #cond ": ") + (message)); \
  } while (0)

#define EXPECT_EQ(a, b)                                                                       \
  do {                                                                                        \
    const auto& merba_a = (a);                                                                \
    const auto& merba_b = (b);                                                                \
    if (!(merba_a == merba_b)) {                                                              \
      std::ostringstream merba_s;                                                             \
      merba_s << "expected " #a " == " #b ", got " << merba_a << " vs " << merba_b;           \
      ::merba::test::fail(__FILE__, __LINE__, merba_s.str());                                 \
    }                                                                                         \
  } while (0)

// Expects `expr` to throw an exception of type `type` whose message contains `substring`.
#define EXPECT_THROWS_WITH(expr, type, substring)                                             \
  do {                                                                                        \
    bool merba_threw = false;                                                                 \
    try {                                                                                     \
      (void)(expr);                                                                           \
    } catch (const type& merba_e) {                                                           \
      merba_threw = true;                                                                     \
      const std::string merba_what = merba_e.what();                                          \
      if (merba_what.find(substring) == std::string::npos)                                    \
        ::merba::test::fail(__FILE__, __LINE__,                                               \
                            std::string("message lacks '") + (substring) + "': " + merba_what); \
    }                                                                                         \
    if (!merba_threw) ::merba::test::fail(__FILE__, __LINE__, "expected " #type " from " #expr); \
  } while (0)
