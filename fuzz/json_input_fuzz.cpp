// parse_json_object on arbitrary bytes: it either refuses with a 400 or
// returns an object that holds none of what it promises to refuse, and that
// it accepts again, unchanged, once serialized.

#include "adapters/http/json_input.hpp"
#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using hotline::fuzz::check;
using nlohmann::json;

// True if no key or string anywhere in `j` holds U+0000, and `j` nests no
// deeper than `depth_left`.
bool clean(const json& j, int depth_left) {
  if (j.is_string())
    return j.get_ref<const std::string&>().find('\0') == std::string::npos;
  if (!j.is_structured())
    return true;
  if (depth_left == 0)
    return false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (j.is_object() && it.key().find('\0') != std::string::npos)
      return false;
    if (!clean(*it, depth_left - 1))
      return false;
  }
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  hotline::http::is_json_content_type(body);
  try {
    const json j = hotline::http::parse_json_object(body);
    check(j.is_object(), "accepted a body that is not an object");
    check(clean(j, hotline::http::max_json_depth), "accepted NUL or too deep a nesting");
    const json again = hotline::http::parse_json_object(j.dump());
    check(again == j, "a serialized accepted body parses to another value");
  } catch (const hotline::http::input_error& e) {
    check(e.status == 400, "refused with a status other than 400");
    check(!e.code.empty() && !e.message.empty(), "refused without a code or message");
  }
  return 0;
}
