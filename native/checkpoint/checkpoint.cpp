#include "checkpoint/checkpoint.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <charconv>
#include <set>
#include <sstream>

#include "checkpoint/checkpoint_error.h"

namespace merba::checkpoint {

namespace {

std::string shape_string(c10::IntArrayRef shape) {
  std::ostringstream s;
  s << shape;
  return s.str();
}

}  // namespace

const char* kind_name(CheckpointErrorKind kind) {
  switch (kind) {
    case CheckpointErrorKind::NotFound: return "NOT_FOUND";
    case CheckpointErrorKind::NotAFile: return "NOT_A_FILE";
    case CheckpointErrorKind::Io: return "IO";
    case CheckpointErrorKind::Truncated: return "TRUNCATED";
    case CheckpointErrorKind::BadHeader: return "BAD_HEADER";
    case CheckpointErrorKind::BadOffsets: return "BAD_OFFSETS";
    case CheckpointErrorKind::NonFinite: return "NON_FINITE";
    case CheckpointErrorKind::NotMerba: return "NOT_MERBA";
    case CheckpointErrorKind::UnsupportedVersion: return "UNSUPPORTED_VERSION";
    case CheckpointErrorKind::MissingKey: return "MISSING_KEY";
    case CheckpointErrorKind::UnexpectedKey: return "UNEXPECTED_KEY";
    case CheckpointErrorKind::WrongShape: return "WRONG_SHAPE";
    case CheckpointErrorKind::WrongDtype: return "WRONG_DTYPE";
    case CheckpointErrorKind::LabelsMismatch: return "LABELS_MISMATCH";
    case CheckpointErrorKind::StateMismatch: return "STATE_MISMATCH";
  }
  return "IO";
}

void write_checkpoint(const std::string& path, const CheckpointFormat& format, const NamedTensors& tensors,
                      Metadata metadata) {
  metadata[kFormatKey] = format.name;
  metadata[kFormatVersionKey] = std::to_string(format.version);
  write_safetensors(path, tensors, metadata);
}

SafetensorsFile open_checkpoint(const std::string& path, const CheckpointFormat& format) {
  SafetensorsFile file = SafetensorsFile::open(path);
  const Metadata& meta = file.metadata();
  const auto name = meta.find(kFormatKey);
  if (name == meta.end() || name->second != format.name) {
    throw CheckpointError(CheckpointErrorKind::NotMerba,
                          path + ": a safetensors file, but not a '" + format.name + "' checkpoint (__metadata__.format is " +
                              (name == meta.end() ? std::string("absent") : "'" + name->second + "'") + ")");
  }
  const auto version = meta.find(kFormatVersionKey);
  int64_t v = -1;
  const bool parsed = version != meta.end() &&
                      std::from_chars(version->second.data(), version->second.data() + version->second.size(), v).ec ==
                          std::errc() &&
                      std::to_string(v) == version->second;
  if (!parsed || v < 1 || v > format.version) {
    throw CheckpointError(CheckpointErrorKind::UnsupportedVersion,
                          path + ": format_version " +
                              (version == meta.end() ? std::string("absent") : "'" + version->second + "'") +
                              " is not supported; this MERba reads '" + format.name + "' versions 1 to " +
                              std::to_string(format.version) + (parsed && v > format.version ? " (written by a newer MERba?)" : ""));
  }
  return file;
}

void load_tensors(SafetensorsFile& file, const NamedTensors& destinations, bool allow_unexpected) {
  std::set<std::string> expected;
  // Every check first ...
  for (const auto& [name, destination] : destinations) {
    expected.insert(name);
    const TensorEntry* entry = file.find(name);
    if (entry == nullptr) {
      throw CheckpointError(CheckpointErrorKind::MissingKey, file.path() + ": tensor '" + name + "' is missing");
    }
    if (entry->dtype != destination.scalar_type()) {
      throw CheckpointError(CheckpointErrorKind::WrongDtype, file.path() + ": tensor '" + name + "' is " +
                                                                  dtype_name(entry->dtype) + ", expected " +
                                                                  dtype_name(destination.scalar_type()));
    }
    if (c10::IntArrayRef(entry->shape) != destination.sizes()) {
      throw CheckpointError(CheckpointErrorKind::WrongShape, file.path() + ": tensor '" + name + "' has shape " +
                                                                  shape_string(entry->shape) + ", expected " +
                                                                  shape_string(destination.sizes()));
    }
  }
  if (!allow_unexpected) {
    for (const auto& entry : file.entries()) {
      if (expected.count(entry.name) == 0) {
        throw CheckpointError(CheckpointErrorKind::UnexpectedKey,
                              file.path() + ": unexpected tensor '" + entry.name + "' (not part of this model)");
      }
    }
  }
  // ... then the copies. What can still fail here — a read (I/O) or a tensor holding NaN or infinities — fails
  // while reading, and every read happens before the first copy, so a failure leaves the destinations as they were.
  std::vector<at::Tensor> sources;
  sources.reserve(destinations.size());
  for (const auto& [name, destination] : destinations) {
    sources.push_back(file.read(*file.find(name)));
    const at::Tensor& t = sources.back();
    if (at::isFloatingType(t.scalar_type()) && t.numel() > 0 && !at::isfinite(t).all().item<bool>()) {
      throw CheckpointError(CheckpointErrorKind::NonFinite, file.path() + ": tensor '" + name +
                                                                "' holds NaN or infinite values");
    }
  }
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < destinations.size(); ++i) destinations[i].second.copy_(sources[i]);
}

}  // namespace merba::checkpoint
