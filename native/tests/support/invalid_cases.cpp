#include "support/invalid_cases.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/json.h"

namespace merba::test {

std::vector<InvalidCase> invalid_cases(const std::string& directory) {
  std::vector<InvalidCase> cases;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const util::Json doc = util::Json::parse(text.str());
    InvalidCase c;
    c.name = entry.path().stem().string();
    c.field = doc.at("field").as_string("field");
    c.config_json = doc.at("config").dump();
    for (const auto& [key, value] : doc.at("config").as_object("config")) c.keys.insert(key);
    cases.push_back(std::move(c));
  }
  std::sort(cases.begin(), cases.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  if (cases.empty()) fail(__FILE__, __LINE__, "no cases in " + directory);
  return cases;
}

}  // namespace merba::test
