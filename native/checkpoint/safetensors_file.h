// The safetensors layout (spec §7): an 8-byte little-endian header length n, n bytes of JSON header
// ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}), then the raw
// little-endian tensor bytes, offsets relative to the end of the header. Python's `safetensors` package
// reads and writes the same files.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace merba::checkpoint {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;
using Metadata = std::map<std::string, std::string>;

// The tensor called `name`; throws std::invalid_argument naming it when there is none.
const at::Tensor& tensor_named(const NamedTensors& tensors, const std::string& name);

struct TensorEntry {
  std::string name;
  at::ScalarType dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte range in the data section, [begin, end)
  uint64_t end = 0;
};

// An opened, fully validated safetensors file. open() checks the whole layout before returning — header
// length against the file size, the JSON, every entry's dtype, shape and byte range (inside the data, sized
// numel × itemsize, not overlapping) — and throws CheckpointError with the precise reason otherwise, so a
// caller never sees a half-valid file.
class SafetensorsFile {
 public:
  static SafetensorsFile open(const std::string& path);

  const std::string& path() const { return path_; }
  const Metadata& metadata() const { return metadata_; }
  // Sorted by name.
  const std::vector<TensorEntry>& entries() const { return entries_; }
  const TensorEntry* find(const std::string& name) const;
  // The tensor's bytes as a new CPU tensor of the entry's dtype and shape.
  at::Tensor read(const TensorEntry& entry);

 private:
  SafetensorsFile() = default;
  std::string path_;
  Metadata metadata_;
  std::vector<TensorEntry> entries_;
  uint64_t data_start_ = 0;
  std::unique_ptr<std::ifstream> stream_;
};

// Writes tensors (any device; copied to CPU, contiguous) and string metadata. Atomic: the bytes go to a
// temporary file in the same directory, which is flushed to disk and then renamed over `path`; a crash or
// an error mid-write leaves any previous file at `path` untouched and removes the temporary file.
void write_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata);

// "F32", "I64", ... and back; throws CheckpointError(BadHeader) for names it does not know.
const char* dtype_name(at::ScalarType dtype);
at::ScalarType dtype_from_name(const std::string& name);

}  // namespace merba::checkpoint
