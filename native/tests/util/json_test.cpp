// The strict JSON reader: what it accepts and refuses (as the safetensors crate's serde_json does), integers kept
// exact in 64 bits, \u escapes checked digit by digit, and writing that reads back the same.
#include <cstdint>
#include <string>
#include <vector>

#include "support/test_harness.h"
#include "util/json.h"

using merba::util::Json;

namespace {

struct Refused {
  std::string name;
  std::string text;
  std::string message;  // a part of the error
};

struct Accepted {
  std::string name;
  std::string text;
  std::string dumped;  // what writing it back gives
};

}  // namespace

TEST(malformed_documents_are_refused_with_the_reason) {
  const std::vector<Refused> cases{
      {"bad hex digit", R"(["\u12zz"])", "four hex digits"},
      {"short escape", R"(["\u12"])", "four hex digits"},
      {"lone leading surrogate", R"(["\ud83d"])", "lone leading surrogate"},
      {"leading surrogate then text", R"(["\ud83dx"])", "lone leading surrogate"},
      {"two leading surrogates", R"(["\ud83d\ud83d"])", "lone leading surrogate"},
      {"lone trailing surrogate", R"(["\ude00"])", "lone trailing surrogate"},
      {"unknown escape", R"(["\x41"])", "bad escape"},
      {"raw control character", std::string("[\"a\x01") + "b\"]", "control character"},
      {"raw newline", "[\"a\nb\"]", "control character"},
      {"invalid UTF-8 byte", std::string("[\"\xff\"]"), "invalid UTF-8"},
      {"truncated UTF-8", std::string("[\"\xc3\"]"), "invalid UTF-8"},
      {"overlong UTF-8", std::string("[\"\xc0\xaf\"]"), "invalid UTF-8"},
      {"encoded surrogate", std::string("[\"\xed\xa0\x80\"]"), "invalid UTF-8"},
      {"leading zero", "[01]", "leading zero"},
      {"plus sign", "[+1]", "unexpected character"},
      {"bare fraction", "[.5]", "unexpected character"},
      {"dot without digits", "[1.]", "malformed number"},
      {"exponent without digits", "[1e]", "malformed number"},
      {"NaN", "[NaN]", "unexpected character"},
      {"infinite", "[1e999]", "out of range"},
      {"trailing comma", "[1,]", "unexpected character"},
      {"trailing text", "{} x", "trailing"},
      {"duplicate key", R"({"a":1,"a":2})", "duplicate key 'a'"},
      {"unterminated", R"({"a":)", "unexpected end"},
      {"deep nesting", std::string(300, '[') + std::string(300, ']'), "nesting too deep"},
  };
  FOR_EACH_CASE(cases, [](const Refused& c) { EXPECT_THROWS_WITH(Json::parse(c.text), std::invalid_argument, c.message); });
}

TEST(well_formed_documents_read_back_as_written) {
  const std::vector<Accepted> cases{
      {"escapes", R"(["a\"\\\/\b\f\n\r\t"])", R"(["a\"\\/\u0008\u000c\n\r\t"])"},
      {"BMP escape", R"(["\u00e9\u4e2d"])", "[\"\xc3\xa9\xe4\xb8\xad\"]"},
      {"surrogate pair", R"(["\ud83d\ude00"])", "[\"\xf0\x9f\x98\x80\"]"},
      {"raw UTF-8", "[\"\xc3\xa9\xf0\x9f\x98\x80\"]", "[\"\xc3\xa9\xf0\x9f\x98\x80\"]"},
      {"integers", "[0,-0,7,-12]", "[0,0,7,-12]"},
      {"beyond 2^53", "[9007199254740993]", "[9007199254740993]"},
      {"int64 extremes", "[9223372036854775807,-9223372036854775808]", "[9223372036854775807,-9223372036854775808]"},
      {"beyond int64 is a double", "[9223372036854775808]", "[9223372036854775808]"},
      {"fractions and exponents", "[0.5,1e3,-2.5E-3,0.1]", "[0.5,1000,-0.0025,0.1]"},
      {"literals and nesting", R"({"b":[true,false,null],"a":{}})", R"({"a":{},"b":[true,false,null]})"},
  };
  FOR_EACH_CASE(cases, [](const Accepted& c) {
    const std::string dumped = Json::parse(c.text).dump();
    EXPECT_EQ(dumped, c.dumped);
    EXPECT_EQ(Json::parse(dumped).dump(), dumped);
  });
}

TEST(integers_stay_exact_and_typed_access_names_the_value) {
  const Json big = Json::parse("[9007199254740993, 1e3, 2.5, 1e300]");
  const auto& items = big.as_array("items");
  EXPECT_EQ(items[0].as_int("big"), int64_t(9007199254740993));  // a double would give ...992
  EXPECT_TRUE(items[0].is_integer());
  EXPECT_EQ(items[1].as_int("thousand"), int64_t(1000));          // an exact double is an integer too
  EXPECT_THROWS_WITH(items[2].as_int("half"), std::invalid_argument, "half must be an integer");
  EXPECT_THROWS_WITH(items[3].as_int("huge"), std::invalid_argument, "huge must be an integer");
  EXPECT_EQ(items[2].as_double("x"), 2.5);
  EXPECT_THROWS_WITH(items[0].as_string("name"), std::invalid_argument, "name must be a string");
  EXPECT_EQ(Json(int64_t{1} << 62).dump(), std::string("4611686018427387904"));
}
