#include "checkpoint/safetensors_file.h"

#include <ATen/ATen.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <tuple>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <limits>
#include <optional>
#include <sstream>

#include "checkpoint/checkpoint_error.h"
#include "util/json.h"

namespace merba::checkpoint {

const at::Tensor& tensor_named(const NamedTensors& tensors, const std::string& name) {
  for (const auto& [n, t] : tensors) {
    if (n == name) return t;
  }
  throw std::invalid_argument("no tensor named '" + name + "'");
}

static_assert(std::endian::native == std::endian::little,
              "safetensors stores little-endian bytes; this code copies them as they are");

namespace fs = std::filesystem;
using util::Json;

namespace {

// Python's safetensors refuses headers above 100 MB; a larger length is a damaged file, not a big model.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
constexpr const char* kMetadataKey = "__metadata__";

struct DtypeName {
  at::ScalarType dtype;
  const char* name;
};
constexpr DtypeName kDtypes[] = {
    {at::kDouble, "F64"}, {at::kFloat, "F32"}, {at::kHalf, "F16"}, {at::kBFloat16, "BF16"},
    {at::kLong, "I64"},   {at::kInt, "I32"},   {at::kShort, "I16"}, {at::kChar, "I8"},
    {at::kByte, "U8"},    {at::kBool, "BOOL"},
};

std::optional<at::ScalarType> find_dtype(const std::string& name) {
  for (const auto& d : kDtypes) {
    if (name == d.name) return d.dtype;
  }
  return std::nullopt;
}

[[noreturn]] void fail(CheckpointErrorKind kind, const std::string& path, const std::string& what) {
  throw CheckpointError(kind, path + ": " + what);
}

void check_readable_file(const std::string& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) fail(CheckpointErrorKind::NotFound, path, "no such file");
  if (ec) fail(CheckpointErrorKind::Io, path, "cannot access: " + ec.message());
  if (status.type() == fs::file_type::directory) {
    fail(CheckpointErrorKind::NotAFile, path, "is a directory, not a checkpoint file");
  }
  if (status.type() != fs::file_type::regular) fail(CheckpointErrorKind::NotAFile, path, "is not a regular file");
}

uint64_t element_count(const std::vector<int64_t>& shape, const std::string& path, const std::string& name) {
  uint64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) fail(CheckpointErrorKind::BadHeader, path, "tensor '" + name + "' has a negative dimension");
    if (d != 0 && n > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(d)) {
      fail(CheckpointErrorKind::BadHeader, path, "tensor '" + name + "' has an impossibly large shape");
    }
    n *= static_cast<uint64_t>(d);
  }
  return n;
}

// A list of JSON integers as the format's unsigned fields: written without fraction or exponent (`2.0` and
// `1e3` are refused, as the safetensors crate refuses them for its usize fields).
std::vector<int64_t> integer_list(const Json& value, const std::string& key, const std::string& name,
                                  const std::string& path) {
  const auto& items = value.at(key).as_array(key);
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_integer()) {
      fail(CheckpointErrorKind::BadHeader, path,
           "tensor '" + name + "': " + key + "[" + std::to_string(i) + "] must be an integer (no fraction or exponent)");
    }
  }
  return util::int_list(value, key);
}

TensorEntry parse_entry(const std::string& name, const Json& value, const std::string& path) {
  try {
    util::reject_unknown_keys(value, {"dtype", "shape", "data_offsets"}, "tensor '" + name + "'");
    TensorEntry entry;
    entry.name = name;
    const std::string& dtype = value.at("dtype").as_string("dtype");
    const std::optional<at::ScalarType> scalar_type = find_dtype(dtype);
    if (!scalar_type) fail(CheckpointErrorKind::BadHeader, path, "tensor '" + name + "' has unknown dtype '" + dtype + "'");
    entry.dtype = *scalar_type;
    entry.shape = integer_list(value, "shape", name, path);
    const std::vector<int64_t> offsets = integer_list(value, "data_offsets", name, path);
    if (offsets.size() != 2 || offsets[0] < 0 || offsets[1] < offsets[0]) {
      fail(CheckpointErrorKind::BadOffsets, path, "tensor '" + name + "' has data_offsets that are not [begin, end] with 0 <= begin <= end");
    }
    entry.begin = static_cast<uint64_t>(offsets[0]);
    entry.end = static_cast<uint64_t>(offsets[1]);
    return entry;
  } catch (const std::invalid_argument& e) {
    fail(CheckpointErrorKind::BadHeader, path, "tensor '" + name + "': " + e.what());
  }
}

// A temporary file that is removed unless committed (renamed to its final name).
class TemporaryFile {
 public:
  explicit TemporaryFile(const std::string& final_path) : final_path_(final_path) {
    static std::atomic<uint64_t> counter{0};
    path_ = final_path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) fail(CheckpointErrorKind::Io, final_path, std::string("cannot create a file next to it: ") + std::strerror(errno));
  }
  ~TemporaryFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  void write(const void* data, size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
      const ssize_t n = ::write(fd_, p, size);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail(CheckpointErrorKind::Io, final_path_, std::string("write failed: ") + std::strerror(errno));
      p += n;
      size -= static_cast<size_t>(n);
    }
  }

  // Durable before visible: the data reaches the disk before the rename makes it the checkpoint.
  void commit() {
    if (::fsync(fd_) != 0) fail(CheckpointErrorKind::Io, final_path_, std::string("fsync failed: ") + std::strerror(errno));
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail(CheckpointErrorKind::Io, final_path_, std::string("close failed: ") + std::strerror(errno));
    if (::rename(path_.c_str(), final_path_.c_str()) != 0) {
      fail(CheckpointErrorKind::Io, final_path_, std::string("rename failed: ") + std::strerror(errno));
    }
    committed_ = true;
    // Make the rename itself durable (best effort: some file systems refuse fsync on directories).
    const fs::path dir = fs::path(final_path_).parent_path();
    const int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
      ::fsync(dir_fd);
      ::close(dir_fd);
    }
  }

 private:
  std::string final_path_;
  std::string path_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace

const char* dtype_name(at::ScalarType dtype) {
  for (const auto& d : kDtypes) {
    if (d.dtype == dtype) return d.name;
  }
  throw CheckpointError(CheckpointErrorKind::WrongDtype,
                        std::string("dtype ") + c10::toString(dtype) + " has no safetensors name");
}

at::ScalarType dtype_from_name(const std::string& name) {
  if (const auto dtype = find_dtype(name)) return *dtype;
  throw CheckpointError(CheckpointErrorKind::BadHeader, "unknown dtype '" + name + "'");
}

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  check_readable_file(path);
  SafetensorsFile file;
  file.path_ = path;
  file.stream_ = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*file.stream_) fail(CheckpointErrorKind::Io, path, "cannot open for reading");
  std::error_code ec;
  const uint64_t size = fs::file_size(path, ec);
  if (ec) fail(CheckpointErrorKind::Io, path, "cannot read the size: " + ec.message());
  if (size < 8) {
    fail(CheckpointErrorKind::Truncated, path, std::to_string(size) + " bytes: too short for the 8-byte header length");
  }
  uint64_t header_length = 0;
  file.stream_->read(reinterpret_cast<char*>(&header_length), 8);
  if (header_length > kMaxHeaderBytes) {
    fail(CheckpointErrorKind::BadHeader, path,
         "header length " + std::to_string(header_length) + " is implausible (damaged file or not safetensors)");
  }
  if (header_length > size - 8) {
    fail(CheckpointErrorKind::Truncated, path,
         "header length " + std::to_string(header_length) + " exceeds the " + std::to_string(size - 8) +
             " bytes after it");
  }
  std::string header(header_length, '\0');
  file.stream_->read(header.data(), static_cast<std::streamsize>(header_length));
  if (!*file.stream_) fail(CheckpointErrorKind::Io, path, "cannot read the header");
  Json root;
  try {
    root = Json::parse(header);
  } catch (const std::invalid_argument& e) {
    fail(CheckpointErrorKind::BadHeader, path, std::string("header is not valid JSON (") + e.what() + ")");
  }
  if (!root.is_object()) fail(CheckpointErrorKind::BadHeader, path, "header is not a JSON object");
  file.data_start_ = 8 + header_length;
  const uint64_t data_size = size - file.data_start_;
  for (const auto& [key, value] : root.as_object("header")) {
    if (key == kMetadataKey) {
      if (!value.is_object()) fail(CheckpointErrorKind::BadHeader, path, "__metadata__ is not an object");
      for (const auto& [mk, mv] : value.as_object(kMetadataKey)) {
        try {
          file.metadata_[mk] = mv.as_string("__metadata__." + mk);
        } catch (const std::invalid_argument& e) {
          fail(CheckpointErrorKind::BadHeader, path, e.what());
        }
      }
      continue;
    }
    if (!value.is_object()) fail(CheckpointErrorKind::BadHeader, path, "tensor '" + key + "' is not an object");
    TensorEntry entry = parse_entry(key, value, path);
    const uint64_t elements = element_count(entry.shape, path, key);
    const uint64_t item = c10::elementSize(entry.dtype);
    if (elements > data_size / item) {  // checked before multiplying: elements × item cannot overflow
      fail(CheckpointErrorKind::BadOffsets, path,
           "tensor '" + key + "' has more elements than the file has bytes for");
    }
    const uint64_t bytes = elements * item;
    if (entry.end > data_size) {
      fail(CheckpointErrorKind::Truncated, path,
           "tensor '" + key + "' ends at data byte " + std::to_string(entry.end) + " but the file holds only " +
               std::to_string(data_size) + " data bytes");
    }
    if (entry.end - entry.begin != bytes) {
      fail(CheckpointErrorKind::BadOffsets, path,
           "tensor '" + key + "' spans " + std::to_string(entry.end - entry.begin) + " bytes but its dtype and shape need " +
               std::to_string(bytes));
    }
    file.entries_.push_back(std::move(entry));
  }
  // The tensors tile the data section exactly, as the safetensors crate requires: in (begin, end) order each
  // starts where the previous one ended — so no two share bytes, no gap lies between them, an empty tensor sits
  // at a boundary — and nothing follows the last.
  std::vector<const TensorEntry*> by_offset;
  for (const auto& e : file.entries_) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(),
            [](auto* a, auto* b) { return std::tie(a->begin, a->end) < std::tie(b->begin, b->end); });
  uint64_t covered = 0;
  for (size_t i = 0; i < by_offset.size(); ++i) {
    if (by_offset[i]->begin < covered) {  // i > 0: covered is 0 before the first
      fail(CheckpointErrorKind::BadOffsets, path,
           by_offset[i]->end == by_offset[i]->begin
               ? "empty tensor '" + by_offset[i]->name + "' is placed at data byte " +
                     std::to_string(by_offset[i]->begin) + ", inside '" + by_offset[i - 1]->name + "'"
               : "tensors '" + by_offset[i - 1]->name + "' and '" + by_offset[i]->name + "' overlap");
    }
    if (by_offset[i]->begin > covered) {
      fail(CheckpointErrorKind::BadOffsets, path,
           "data bytes " + std::to_string(covered) + " to " + std::to_string(by_offset[i]->begin) +
               " belong to no tensor (before '" + by_offset[i]->name + "')");
    }
    covered = by_offset[i]->end;
  }
  if (covered != data_size) {
    fail(CheckpointErrorKind::BadOffsets, path,
         std::to_string(data_size - covered) + " bytes after the last tensor's data belong to no tensor");
  }
  return file;
}

const TensorEntry* SafetensorsFile::find(const std::string& name) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                             [](const TensorEntry& e, const std::string& n) { return e.name < n; });
  return it != entries_.end() && it->name == name ? &*it : nullptr;
}

at::Tensor SafetensorsFile::read(const TensorEntry& entry) {
  at::Tensor t = at::empty(entry.shape, at::TensorOptions().dtype(entry.dtype));
  const auto bytes = static_cast<std::streamsize>(entry.end - entry.begin);
  stream_->clear();
  stream_->seekg(static_cast<std::streamoff>(data_start_ + entry.begin));
  stream_->read(static_cast<char*>(t.data_ptr()), bytes);
  if (!*stream_ || stream_->gcount() != bytes) {
    fail(CheckpointErrorKind::Io, path_, "cannot read tensor '" + entry.name + "' (file changed while reading?)");
  }
  return t;
}

void write_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) fail(CheckpointErrorKind::NotAFile, path, "is a directory, not a checkpoint file");
  const fs::path dir = fs::path(path).parent_path();
  if (!dir.empty() && !fs::is_directory(dir, ec)) {
    fail(CheckpointErrorKind::NotFound, path, "the directory " + dir.string() + " does not exist");
  }
  std::vector<at::Tensor> contiguous;
  Json::Object header;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name == kMetadataKey || header.count(name) != 0) {
      throw std::invalid_argument("tensor name '" + name + "' is reserved or used twice");
    }
    TORCH_CHECK_VALUE(tensor.defined(), "tensor '", name, "' is undefined");
    at::Tensor t = tensor.detach().to(at::kCPU).contiguous();
    const uint64_t bytes = t.nbytes();
    Json::Array shape, offsets{Json(static_cast<int64_t>(offset)), Json(static_cast<int64_t>(offset + bytes))};
    for (int64_t d : t.sizes()) shape.emplace_back(d);
    header[name] = Json(Json::Object{{"dtype", Json(dtype_name(t.scalar_type()))},
                                     {"shape", Json(std::move(shape))},
                                     {"data_offsets", Json(std::move(offsets))}});
    offset += bytes;
    contiguous.push_back(std::move(t));
  }
  Json::Object meta;
  for (const auto& [k, v] : metadata) meta[k] = Json(v);
  if (!meta.empty()) header[kMetadataKey] = Json(std::move(meta));
  std::string text = Json(std::move(header)).dump();
  // Pad with spaces so the data starts 8-byte aligned, as Python's writer does (the spec allows it).
  text.append((8 - text.size() % 8) % 8, ' ');
  const uint64_t length = text.size();

  TemporaryFile out(path);
  out.write(&length, 8);
  out.write(text.data(), text.size());
  for (const at::Tensor& t : contiguous) out.write(t.data_ptr(), t.nbytes());
  out.commit();
}

}  // namespace merba::checkpoint
