// Checkpoint metadata crosses the JNI boundary as one JSON object of strings (Jackson on the Java side).
#pragma once

#include <string>

#include "checkpoint/safetensors_file.h"

namespace merba::jni {

// Throws std::invalid_argument unless `json` is an object whose values are all strings.
checkpoint::Metadata metadata_from_json(const std::string& json);
std::string metadata_to_json(const checkpoint::Metadata& metadata);

}  // namespace merba::jni
