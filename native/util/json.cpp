#include "util/json.h"

#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace merba::util {
namespace {

class Parser {
 public:
  explicit Parser(const std::string& text) : s_(text) {}

  Json document() {
    Json v = value();
    skip_ws();
    if (pos_ != s_.size()) fail("unexpected trailing characters");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::invalid_argument("JSON: " + what + " at offset " + std::to_string(pos_));
  }

  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) ++pos_;
  }

  bool consume(char c) {
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  void expect(char c) {
    if (!consume(c)) fail(std::string("expected '") + c + "'");
  }

  bool literal(const char* word) {
    const std::string w(word);
    if (s_.compare(pos_, w.size(), w) == 0) {
      pos_ += w.size();
      return true;
    }
    return false;
  }

  Json value() {
    if (++depth_ > 256) fail("nesting too deep");
    skip_ws();
    if (pos_ >= s_.size()) fail("unexpected end of input");
    Json result;
    const char c = s_[pos_];
    if (c == '{') result = object();
    else if (c == '[') result = array();
    else if (c == '"') result = Json(string());
    else if (literal("true")) result = Json(true);
    else if (literal("false")) result = Json(false);
    else if (literal("null")) result = Json(nullptr);
    else result = Json(number());
    --depth_;
    return result;
  }

  Json object() {
    expect('{');
    Json::Object members;
    if (consume('}')) return Json(std::move(members));
    do {
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a member name");
      std::string key = string();
      expect(':');
      if (!members.emplace(key, value()).second) fail("duplicate key '" + key + "'");
    } while (consume(','));
    expect('}');
    return Json(std::move(members));
  }

  Json array() {
    expect('[');
    Json::Array items;
    if (consume(']')) return Json(std::move(items));
    do {
      items.push_back(value());
    } while (consume(','));
    expect(']');
    return Json(std::move(items));
  }

  std::string string() {
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) fail("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated escape");
      const char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          if (pos_ + 4 > s_.size()) fail("bad \\u escape");
          const unsigned code = std::stoul(s_.substr(pos_, 4), nullptr, 16);
          pos_ += 4;
          // Encode the code unit as UTF-8 (surrogate pairs are not needed by our documents).
          if (code < 0x80) out += static_cast<char>(code);
          else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
          } else {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
          }
          break;
        }
        default: fail(std::string("bad escape \\") + e);
      }
    }
  }

  double number() {
    const size_t start = pos_;
    if (pos_ < s_.size() && (s_[pos_] == '-' || s_[pos_] == '+')) ++pos_;
    while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.' ||
                                s_[pos_] == 'e' || s_[pos_] == 'E' || s_[pos_] == '-' || s_[pos_] == '+')) {
      ++pos_;
    }
    if (start == pos_) fail("unexpected character");
    try {
      size_t used = 0;
      const double d = std::stod(s_.substr(start, pos_ - start), &used);
      if (used != pos_ - start) fail("malformed number");
      return d;
    } catch (const std::logic_error&) {
      pos_ = start;
      fail("malformed number");
    }
  }

  const std::string& s_;
  size_t pos_ = 0;
  int depth_ = 0;
};

void dump_string(std::ostringstream& out, const std::string& s) {
  out << '"';
  for (const char c : s) {
    switch (c) {
      case '"': out << "\\\""; break;
      case '\\': out << "\\\\"; break;
      case '\n': out << "\\n"; break;
      case '\r': out << "\\r"; break;
      case '\t': out << "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out << buf;
        } else {
          out << c;
        }
    }
  }
  out << '"';
}

void dump_value(std::ostringstream& out, const Json& v);

}  // namespace

Json Json::parse(const std::string& text) { return Parser(text).document(); }

bool Json::as_bool(const std::string& what) const {
  if (const bool* b = std::get_if<bool>(&value_)) return *b;
  throw std::invalid_argument(what + " must be a boolean");
}

double Json::as_double(const std::string& what) const {
  if (const double* d = std::get_if<double>(&value_)) return *d;
  throw std::invalid_argument(what + " must be a number");
}

int64_t Json::as_int(const std::string& what) const {
  const double d = as_double(what);
  if (std::floor(d) != d || std::fabs(d) > 9.0e15) throw std::invalid_argument(what + " must be an integer");
  return static_cast<int64_t>(d);
}

const std::string& Json::as_string(const std::string& what) const {
  if (const std::string* s = std::get_if<std::string>(&value_)) return *s;
  throw std::invalid_argument(what + " must be a string");
}

const Json::Array& Json::as_array(const std::string& what) const {
  if (const auto* a = std::get_if<std::shared_ptr<Array>>(&value_)) return **a;
  throw std::invalid_argument(what + " must be an array");
}

const Json::Object& Json::as_object(const std::string& what) const {
  if (const auto* o = std::get_if<std::shared_ptr<Object>>(&value_)) return **o;
  throw std::invalid_argument(what + " must be an object");
}

const Json& Json::at(const std::string& key) const {
  const Object& o = as_object("value containing '" + key + "'");
  auto it = o.find(key);
  if (it == o.end()) throw std::invalid_argument("missing key '" + key + "'");
  return it->second;
}

bool Json::contains(const std::string& key) const { return is_object() && as_object("").count(key) > 0; }

namespace {

void dump_value(std::ostringstream& out, const Json& v) {
  if (v.is_null()) {
    out << "null";
  } else if (v.is_object()) {
    out << '{';
    bool first = true;
    for (const auto& [key, member] : v.as_object("")) {
      if (!first) out << ',';
      first = false;
      dump_string(out, key);
      out << ':';
      dump_value(out, member);
    }
    out << '}';
  } else {
    try {
      const auto& items = v.as_array("");
      out << '[';
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out << ',';
        dump_value(out, items[i]);
      }
      out << ']';
      return;
    } catch (const std::invalid_argument&) {
    }
    try {
      out << (v.as_bool("") ? "true" : "false");
      return;
    } catch (const std::invalid_argument&) {
    }
    try {
      dump_string(out, v.as_string(""));
      return;
    } catch (const std::invalid_argument&) {
    }
    const double d = v.as_double("");
    if (std::floor(d) == d && std::fabs(d) < 9.0e15) {
      out << static_cast<int64_t>(d);
    } else {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.9g", d);
      out << buf;
    }
  }
}

}  // namespace

std::string Json::dump() const {
  std::ostringstream out;
  dump_value(out, *this);
  return out.str();
}

std::vector<int64_t> int_list(const Json& object, const std::string& key) {
  std::vector<int64_t> result;
  const auto& items = object.at(key).as_array(key);
  for (size_t i = 0; i < items.size(); ++i) result.push_back(items[i].as_int(key + "[" + std::to_string(i) + "]"));
  return result;
}

void reject_unknown_keys(const Json& object, const std::set<std::string>& known, const std::string& what) {
  for (const auto& [key, value] : object.as_object(what)) {
    if (!known.count(key)) throw std::invalid_argument(what + ": unknown key '" + key + "'");
  }
}

void read_optional(const Json& object, const std::string& key, int64_t& field) {
  if (object.contains(key)) field = object.at(key).as_int(key);
}

void read_optional(const Json& object, const std::string& key, double& field) {
  if (object.contains(key)) field = object.at(key).as_double(key);
}

void read_optional(const Json& object, const std::string& key, bool& field) {
  if (object.contains(key)) field = object.at(key).as_bool(key);
}

void read_optional(const Json& object, const std::string& key, std::vector<int64_t>& field) {
  if (object.contains(key)) field = int_list(object, key);
}

void read_optional(const Json& object, const std::string& key, std::vector<double>& field) {
  if (!object.contains(key) || object.at(key).is_null()) return;
  field.clear();
  const auto& items = object.at(key).as_array(key);
  for (size_t i = 0; i < items.size(); ++i) field.push_back(items[i].as_double(key + "[" + std::to_string(i) + "]"));
}

}  // namespace merba::util
