// The one exception type of checkpoint reading and writing. Its kind tells callers (and the Java API, which
// maps each kind onto its own exception class) what went wrong without parsing the message.
#pragma once

#include <stdexcept>
#include <string>

namespace merba::checkpoint {

enum class CheckpointErrorKind {
  NotFound,            // the path does not exist
  NotAFile,            // the path is a directory or another non-regular file
  Io,                  // reading or writing failed (permissions, disk full, ...)
  Truncated,           // shorter than its header says
  BadHeader,           // header length, JSON or entry fields malformed
  BadOffsets,          // byte ranges outside the data, overlapping, of the wrong size, or not covering the data
  NonFinite,           // a floating-point tensor holds NaN or ±Inf (weights that would predict garbage)
  NotMerba,            // a safetensors file, but not of the expected format (__metadata__.format)
  UnsupportedVersion,  // format_version newer (or other) than this library reads
  MissingKey,          // a tensor the model (or training state) needs is absent
  UnexpectedKey,       // the file holds a tensor the model does not have
  WrongShape,          // a tensor's shape differs from the model's
  WrongDtype,          // a tensor's dtype differs from the model's
  LabelsMismatch,      // the head's size differs from the label scheme's number of classes
  StateMismatch,       // training state from another run (options, step) than the one resuming
};

// Stable upper-case name of a kind ("MISSING_KEY"): the JNI error contract carries it to Java.
const char* kind_name(CheckpointErrorKind kind);

class CheckpointError : public std::runtime_error {
 public:
  CheckpointError(CheckpointErrorKind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  CheckpointErrorKind kind() const { return kind_; }

 private:
  CheckpointErrorKind kind_;
};

}  // namespace merba::checkpoint
