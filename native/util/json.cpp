#include "util/json.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string_view>
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
    else result = number();
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

  unsigned hex4() {
    if (pos_ + 4 > s_.size()) fail("\\u escape needs four hex digits");
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = s_[pos_++];
      unsigned digit;
      if (h >= '0' && h <= '9') digit = static_cast<unsigned>(h - '0');
      else if (h >= 'a' && h <= 'f') digit = static_cast<unsigned>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') digit = static_cast<unsigned>(h - 'A' + 10);
      else fail("\\u escape needs four hex digits");
      code = code * 16 + digit;
    }
    return code;
  }

  static void append_utf8(std::string& out, unsigned code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  // One UTF-8 encoded code point starting at pos_, copied to `out`; fails on malformed or overlong sequences
  // and encoded surrogates.
  void copy_utf8(std::string& out) {
    const auto byte = [&](size_t i) { return static_cast<unsigned char>(s_[i]); };
    const unsigned char lead = byte(pos_);
    size_t length;
    unsigned code;
    if (lead < 0x80) {
      out += s_[pos_++];
      return;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2;
      code = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      code = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      code = lead & 0x07;
    } else {
      fail("invalid UTF-8");
    }
    if (pos_ + length > s_.size()) fail("invalid UTF-8");
    for (size_t i = 1; i < length; ++i) {
      if ((byte(pos_ + i) & 0xC0) != 0x80) fail("invalid UTF-8");
      code = (code << 6) | (byte(pos_ + i) & 0x3F);
    }
    static constexpr unsigned kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kMinimum[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) fail("invalid UTF-8");
    out.append(s_, pos_, length);
    pos_ += length;
  }

  std::string string() {
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) fail("unterminated string");
      const char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        copy_utf8(out);
        continue;
      }
      if (++pos_ >= s_.size()) fail("unterminated escape");
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
          unsigned code = hex4();
          if (code >= 0xDC00 && code <= 0xDFFF) fail("lone trailing surrogate in a \\u escape");
          if (code >= 0xD800 && code <= 0xDBFF) {
            if (s_.compare(pos_, 2, "\\u") != 0) fail("lone leading surrogate in a \\u escape");
            pos_ += 2;
            const unsigned low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("lone leading surrogate in a \\u escape");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, code);
          break;
        }
        default: fail(std::string("bad escape \\") + e);
      }
    }
  }

  // JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?. Integers that fit in 64 bits stay
  // exact; everything else is a double.
  Json number() {
    const size_t start = pos_;
    const auto digits = [&] {
      const size_t from = pos_;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      return pos_ - from;
    };
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    if (pos_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
      pos_ = start;
      fail("unexpected character");
    }
    if (s_[pos_] == '0') {
      if (++pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) fail("leading zero in a number");
    } else {
      digits();
    }
    bool integral = true;
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      integral = false;
      if (digits() == 0) fail("malformed number");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      integral = false;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (digits() == 0) fail("malformed number");
    }
    const std::string text = s_.substr(start, pos_ - start);
    if (integral) {
      int64_t value = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error == std::errc() && end == text.data() + text.size()) return Json(value);
    }
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
      pos_ = start;
      fail("number out of range");
    }
    return Json(value);
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

}  // namespace

Json Json::parse(const std::string& text) { return Parser(text).document(); }

bool Json::as_bool(const std::string& what) const {
  if (const bool* b = std::get_if<bool>(&value_)) return *b;
  throw std::invalid_argument(what + " must be a boolean");
}

double Json::as_double(const std::string& what) const {
  if (const double* d = std::get_if<double>(&value_)) return *d;
  if (const int64_t* i = std::get_if<int64_t>(&value_)) return static_cast<double>(*i);
  throw std::invalid_argument(what + " must be a number");
}

int64_t Json::as_int(const std::string& what) const {
  if (const int64_t* i = std::get_if<int64_t>(&value_)) return *i;
  const double d = as_double(what);
  // A double is an integer only where it is exact: |d| < 2^53.
  if (std::floor(d) != d || std::fabs(d) >= 9007199254740992.0) throw std::invalid_argument(what + " must be an integer");
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

// Writes values by visiting the variant: one case per type, no probing with exceptions.
class JsonWriter {
 public:
  explicit JsonWriter(std::ostringstream& out) : out_(out) {}

  void write(const Json& v) { std::visit(*this, v.value_); }

  void operator()(std::nullptr_t) { out_ << "null"; }
  void operator()(bool b) { out_ << (b ? "true" : "false"); }
  void operator()(int64_t i) { out_ << i; }
  void operator()(double d) {
    char buf[32];  // the shortest text that reads back as the same double
    const auto [end, error] = std::to_chars(buf, buf + sizeof buf, d);
    out_ << std::string_view(buf, error == std::errc() ? static_cast<size_t>(end - buf) : 0);
  }
  void operator()(const std::string& s) { dump_string(out_, s); }
  void operator()(const std::shared_ptr<Json::Array>& items) {
    out_ << '[';
    for (size_t i = 0; i < items->size(); ++i) {
      if (i) out_ << ',';
      write((*items)[i]);
    }
    out_ << ']';
  }
  void operator()(const std::shared_ptr<Json::Object>& members) {
    out_ << '{';
    bool first = true;
    for (const auto& [key, member] : *members) {
      if (!first) out_ << ',';
      first = false;
      dump_string(out_, key);
      out_ << ':';
      write(member);
    }
    out_ << '}';
  }

 private:
  std::ostringstream& out_;
};

std::string Json::dump() const {
  std::ostringstream out;
  JsonWriter(out).write(*this);
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

void read_optional(const Json& object, const std::string& key, std::string& field) {
  if (object.contains(key)) field = object.at(key).as_string(key);
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
