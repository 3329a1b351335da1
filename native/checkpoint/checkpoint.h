// MERba's checkpoint files on top of the safetensors layout (spec §7): a format name and version in
// __metadata__, and loading that checks everything before it changes anything.
#pragma once

#include <cstdint>
#include <string>

#include "checkpoint/safetensors_file.h"

namespace merba::checkpoint {

struct CheckpointFormat {
  const char* name;  // __metadata__.format
  int64_t version;   // __metadata__.format_version: the newest this library reads and the one it writes
};

// NAME.safetensors: the network's parameters and buffers.
inline constexpr CheckpointFormat kModelFormat{"merba", 1};
// NAME.train.safetensors: what resuming a training run needs beyond the weights.
inline constexpr CheckpointFormat kTrainingStateFormat{"merba-train", 1};

inline constexpr const char* kFormatKey = "format";
inline constexpr const char* kFormatVersionKey = "format_version";

// Writes the tensors with `metadata` plus the format's name and version (atomically, see write_safetensors).
void write_checkpoint(const std::string& path, const CheckpointFormat& format, const NamedTensors& tensors,
                      Metadata metadata);

// Opens and validates the file (see SafetensorsFile::open) and checks that it is of `format` at a version
// this library reads: NotMerba or UnsupportedVersion otherwise.
SafetensorsFile open_checkpoint(const std::string& path, const CheckpointFormat& format);

// Copies the file's tensors into `destinations` (by name; dtype and shape must match exactly) after checking
// all of them: a missing name, a wrong shape or dtype, or (unless allow_unexpected) a name the destinations
// lack throws before the first destination is written, so a failed load leaves them untouched.
void load_tensors(SafetensorsFile& file, const NamedTensors& destinations, bool allow_unexpected);

}  // namespace merba::checkpoint
