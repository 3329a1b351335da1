#include "jni/metadata_json.h"

#include <stdexcept>

#include "util/json.h"

namespace merba::jni {

checkpoint::Metadata metadata_from_json(const std::string& json) {
  const util::Json root = util::Json::parse(json);
  if (!root.is_object()) throw std::invalid_argument("checkpoint metadata must be a JSON object");
  checkpoint::Metadata metadata;
  for (const auto& [key, value] : root.as_object("metadata")) metadata[key] = value.as_string("metadata." + key);
  return metadata;
}

std::string metadata_to_json(const checkpoint::Metadata& metadata) {
  util::Json::Object object;
  for (const auto& [key, value] : metadata) object[key] = util::Json(value);
  return util::Json(std::move(object)).dump();
}

}  // namespace merba::jni
