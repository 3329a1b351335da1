// The configuration cases every layer must refuse (test-data/*-config/invalid/*.json): each file holds
// {"field": F, "config": {...}}, and the refusal's message must name F. The Java tests run the same files.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace merba::test {

struct InvalidCase {
  std::string name;         // the file name without .json
  std::string field;        // what the message must name
  std::string config_json;  // the document to refuse
  std::set<std::string> keys;
};

// Every case of `directory`, sorted by name; fails the test when there are none.
std::vector<InvalidCase> invalid_cases(const std::string& directory);

// Runs `parse` on every case whose keys all lie in `known` (or on every case when `known` is empty), expecting
// std::invalid_argument naming the case's field; returns how many cases ran. Failures name the case.
template <typename Parse>
int expect_all_refused(const std::vector<InvalidCase>& cases, const std::set<std::string>& known, Parse parse);

}  // namespace merba::test

#include "support/invalid_cases_impl.h"
