#include "adapters/http/json_input.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hotline::http {
namespace {

using namespace std::string_literals;

// The error parse_json_object throws for `body`; fails the test if it throws
// nothing.
input_error refusal_of(std::string_view body) {
  try {
    parse_json_object(body);
  } catch (const input_error& e) {
    return e;
  }
  ADD_FAILURE() << "accepted: " << body;
  return {};
}

void expect_refused(std::string_view body, const std::string& code, const std::string& field) {
  const auto e = refusal_of(body);
  EXPECT_EQ(e.status, 400) << body;
  EXPECT_EQ(e.code, code) << body;
  EXPECT_EQ(e.field, field) << body;
}

// The demand of docs/API.md, as a client sends it.
const std::string demand = R"({
  "request_id": "wx-20261130-8f3a21",
  "channel": "wechat",
  "caller": {"name": "张三", "phone": "138-1234-5678"},
  "kind": "complaint",
  "category": "env.cooking-fumes",
  "content": "民族路一楼火锅店油烟直排，住户无法开窗",
  "location": {"address": "重庆市渝中区解放碑街道民族路188号"}
})";

std::string nested_objects(int depth) {
  std::string out;
  for (int i = 0; i < depth; ++i)
    out += R"({"a":)";
  out += "1";
  out += std::string(static_cast<std::size_t>(depth), '}');
  return out;
}

// --- what passes ----------------------------------------------------------------

TEST(json_input, passes_the_api_demand_with_chinese_text_unchanged) {
  const auto body = parse_json_object(demand);
  EXPECT_EQ(body.at("caller").at("name"), "张三");
  EXPECT_EQ(body.at("content"), "民族路一楼火锅店油烟直排，住户无法开窗");
  EXPECT_EQ(body.at("location").at("address"), "重庆市渝中区解放碑街道民族路188号");
}

TEST(json_input, decodes_escaped_chinese_text_to_the_same_utf8) {
  const auto body = parse_json_object(R"({"name":"\u5f20\u4e09","emoji":"\ud83d\ude00"})");
  EXPECT_EQ(body.at("name"), "张三");
  EXPECT_EQ(body.at("emoji"), "😀");
}

TEST(json_input, allows_equal_keys_in_different_objects) {
  const auto body
      = parse_json_object(R"({"name":"a","caller":{"name":"b"},"list":[{"x":1},{"x":2}]})");
  EXPECT_EQ(body.at("caller").at("name"), "b");
  EXPECT_EQ(body.at("list").size(), 2u);
}

TEST(json_input, accepts_nesting_of_exactly_32_levels) {
  EXPECT_NO_THROW(parse_json_object(nested_objects(32)));
}

TEST(json_input, skips_a_utf8_byte_order_mark) {
  EXPECT_EQ(parse_json_object("\xEF\xBB\xBF{\"a\":1}").at("a"), 1);
}

// --- malformed_json ------------------------------------------------------------

TEST(json_input, refuses_an_empty_or_blank_body) {
  expect_refused("", "malformed_json", "");
  expect_refused(" \r\n\t", "malformed_json", "");
}

TEST(json_input, refuses_a_top_level_value_that_is_not_an_object) {
  for (const char* body : {"[]", "[{\"a\":1}]", "1", "\"x\"", "null", "true"})
    expect_refused(body, "malformed_json", "");
}

TEST(json_input, names_the_byte_offset_of_invalid_json) {
  const auto e = refusal_of(R"({"a":1,})");
  EXPECT_EQ(e.code, "malformed_json");
  EXPECT_NE(e.message.find("byte offset 7"), std::string::npos) << e.message;
}

TEST(json_input, never_quotes_the_body_in_its_message) {
  const auto e = refusal_of(R"({"name":"张三", oops})");
  EXPECT_EQ(e.code, "malformed_json");
  EXPECT_EQ(e.message.find("oops"), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find("张三"), std::string::npos) << e.message;
}

TEST(json_input, refuses_trailing_content_after_the_object) {
  expect_refused(R"({"a":1} {"a":2})", "malformed_json", "");
}

TEST(json_input, refuses_invalid_utf8_anywhere) {
  for (const auto& body : {"{\"a\":\"\xff\"}"s, "{\"a\":\"\xC0\xAF\"}"s, // overlong '/'
                           "{\"a\":\"\xED\xA0\x80\"}"s,                  // surrogate
                           "{\"a\":\"\xE5\xBC\"}"s,                      // truncated 张
                           "{\"\xF5\x80\x80\x80\":1}"s,                  // above U+10FFFF
                           "{\"a\":1}\x80"s}) {
    const auto e = refusal_of(body);
    EXPECT_EQ(e.code, "malformed_json");
    EXPECT_NE(e.message.find("UTF-8"), std::string::npos) << e.message;
  }
}

TEST(json_input, refuses_a_lone_surrogate_escape) {
  expect_refused(R"({"a":"\ud800"})", "malformed_json", "");
  expect_refused(R"({"a":"\udc00x"})", "malformed_json", "");
}

TEST(json_input, refuses_a_number_beyond_a_double) {
  expect_refused(R"({"lat":1e400})", "malformed_json", "");
}

// --- duplicate_key ---------------------------------------------------------------

TEST(json_input, refuses_a_duplicate_top_level_key) {
  expect_refused(R"({"category":"a","content":"x","category":"b"})", "duplicate_key", "category");
}

TEST(json_input, names_the_path_of_a_duplicate_nested_key) {
  expect_refused(R"({"caller":{"name":"张三","name":"李四"}})", "duplicate_key", "caller.name");
  expect_refused(R"({"items":[{"x":1},{"x":1,"x":2}]})", "duplicate_key", "items[1].x");
}

// --- invalid_character -------------------------------------------------------------

TEST(json_input, refuses_an_escaped_nul_in_a_value) {
  expect_refused(R"({"caller":{"name":"张\u0000三"}})", "invalid_character", "caller.name");
  expect_refused(R"({"list":["ok","\u0000"]})", "invalid_character", "list[1]");
}

TEST(json_input, refuses_an_escaped_nul_in_a_key) {
  expect_refused(R"({"caller":{"na\u0000me":"x"}})", "invalid_character", "caller.na\0me"s);
}

TEST(json_input, refuses_a_raw_nul_byte_in_a_value) {
  expect_refused("{\"caller\":{\"name\":\"a\0b\"}}"s, "invalid_character", "caller.name");
}

TEST(json_input, names_a_raw_nul_in_a_key_as_far_as_the_key_was_read) {
  expect_refused("{\"caller\":{\"na\0me\":\"x\"}}"s, "invalid_character", "caller.na\0"s);
}

TEST(json_input, refuses_a_raw_nul_byte_outside_strings) {
  // nlohmann alone stops at a 0 byte and would accept these.
  expect_refused("{\"a\":1}\0"s, "malformed_json", "");
  expect_refused("{\"a\":1}\0{\"b\":2}"s, "malformed_json", "");
  expect_refused("{\"a\":\0}"s, "malformed_json", "");
}

// --- too_deep ---------------------------------------------------------------------

TEST(json_input, refuses_nesting_of_33_levels) {
  const auto e = refusal_of(nested_objects(33));
  EXPECT_EQ(e.code, "too_deep");
  EXPECT_EQ(e.field.size(), std::string("a.").size() * 32 - 1); // a.a.….a, 32 keys
}

TEST(json_input, refuses_deep_arrays_before_reading_them_all) {
  std::string path = "x";
  for (int i = 0; i < 31; ++i)
    path += "[0]";
  expect_refused(R"({"x":)" + std::string(100000, '['), "too_deep", path);
}

// --- content type -----------------------------------------------------------------

TEST(json_content_type, accepts_application_json_with_or_without_utf8_charset) {
  for (const char* type :
       {"application/json", "Application/JSON", "application/json; charset=utf-8",
        "application/json;charset=UTF-8", "application/json ; charset=\"utf-8\"",
        "application/json;", " application/json "})
    EXPECT_TRUE(is_json_content_type(type)) << type;
}

TEST(json_content_type, accepts_structured_json_suffixes) {
  for (const char* type : {"application/problem+json", "application/vnd.api+json; charset=utf-8"})
    EXPECT_TRUE(is_json_content_type(type)) << type;
}

TEST(json_content_type, refuses_other_charsets_and_parameters) {
  for (const char* type : {"application/json; charset=gbk", "application/json; charset=utf8",
                           "application/json; charset=utf-8; charset=utf-8",
                           "application/json; boundary=x", "application/json; charset"})
    EXPECT_FALSE(is_json_content_type(type)) << type;
}

TEST(json_content_type, refuses_everything_that_is_not_json) {
  for (const char* type :
       {"", "text/plain", "text/json", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "application/+json", "application/jsonp",
        "application/json-seq", "application", "application/", "*/*", "json"})
    EXPECT_FALSE(is_json_content_type(type)) << type;
}

} // namespace
} // namespace hotline::http
