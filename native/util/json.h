// A small, strict JSON reader/writer (RFC 8259) for the documents the core reads: the JNI crossing documents
// (model spec, training options) and the safetensors header, which may come from anywhere. It holds documents
// to what a strict parser such as the safetensors crate's serde_json holds them — valid UTF-8, \u escapes of
// four hex digits with surrogates paired, no control characters in strings, numbers in JSON's grammar — keeps
// integers exact in 64 bits, and fails with the offset of the first error. Where it is stricter: numbers that
// underflow a double (1e-400) are refused rather than read as 0, and nesting stops at 256 levels. as_int()
// takes an integral double (2.0) as an integer; callers that need integer tokens check is_integer().
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace merba::util {

class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::map<std::string, Json>;

  Json() : value_(nullptr) {}
  Json(std::nullptr_t) : value_(nullptr) {}
  Json(bool b) : value_(b) {}
  Json(double d) : value_(d) {}
  Json(int64_t i) : value_(i) {}
  Json(int i) : value_(static_cast<int64_t>(i)) {}
  Json(std::string s) : value_(std::move(s)) {}
  Json(const char* s) : value_(std::string(s)) {}
  Json(Array a) : value_(std::make_shared<Array>(std::move(a))) {}
  Json(Object o) : value_(std::make_shared<Object>(std::move(o))) {}

  // Throws std::invalid_argument with the position of the first error.
  static Json parse(const std::string& text);
  std::string dump() const;

  bool is_null() const { return std::holds_alternative<std::nullptr_t>(value_); }
  bool is_object() const { return std::holds_alternative<std::shared_ptr<Object>>(value_); }
  // A number written without fraction or exponent that fits in 64 bits (kept exact).
  bool is_integer() const { return std::holds_alternative<int64_t>(value_); }

  // Typed access; `what` names the value in error messages (e.g. "dims[1]"). as_double takes any number;
  // as_int an exact integer (or a double holding one exactly, e.g. 1e3).
  bool as_bool(const std::string& what) const;
  double as_double(const std::string& what) const;
  int64_t as_int(const std::string& what) const;
  const std::string& as_string(const std::string& what) const;
  const Array& as_array(const std::string& what) const;
  const Object& as_object(const std::string& what) const;

  // Member of an object; throws std::invalid_argument naming `key` when absent.
  const Json& at(const std::string& key) const;
  bool contains(const std::string& key) const;

 private:
  friend class JsonWriter;
  std::variant<std::nullptr_t, bool, int64_t, double, std::string, std::shared_ptr<Array>, std::shared_ptr<Object>>
      value_;
};

// Convenience readers for object members.
std::vector<int64_t> int_list(const Json& object, const std::string& key);

// Throws std::invalid_argument("<what>: unknown key 'k'") for the first member not in `known`.
void reject_unknown_keys(const Json& object, const std::set<std::string>& known, const std::string& what);

// Overwrites `field` with member `key` when the object has it (a document's missing keys keep defaults).
void read_optional(const Json& object, const std::string& key, int64_t& field);
void read_optional(const Json& object, const std::string& key, double& field);
void read_optional(const Json& object, const std::string& key, bool& field);
void read_optional(const Json& object, const std::string& key, std::string& field);
void read_optional(const Json& object, const std::string& key, std::vector<int64_t>& field);
void read_optional(const Json& object, const std::string& key, std::vector<double>& field);

}  // namespace merba::util
