// Template part of invalid_cases.h.
#pragma once

#include <algorithm>
#include <stdexcept>

#include "support/test_harness.h"

namespace merba::test {

template <typename Parse>
int expect_all_refused(const std::vector<InvalidCase>& cases, const std::set<std::string>& known, Parse parse) {
  int ran = 0;
  for (const InvalidCase& c : cases) {
    if (!known.empty() && !std::includes(known.begin(), known.end(), c.keys.begin(), c.keys.end())) continue;
    ++ran;
    try {
      parse(c.config_json);
    } catch (const std::invalid_argument& e) {
      const std::string message = e.what();
      if (message.find(c.field) == std::string::npos) {
        fail(__FILE__, __LINE__, "case " + c.name + ": the message does not name '" + c.field + "': " + message);
      }
      continue;
    }
    fail(__FILE__, __LINE__, "case " + c.name + ": accepted " + c.config_json);
  }
  return ran;
}

}  // namespace merba::test
