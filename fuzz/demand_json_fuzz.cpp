// The demand of POST /api/v1/demands as the API reads it: strict JSON, then
// every field checked (M-R-1). Arbitrary bytes must end in a demand or in
// one clear 4xx error naming a code, never in a crash or another exception.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/config/loader.hpp"
#include "adapters/http/input.hpp"
#include "adapters/http/json_input.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hotline::fuzz::check;
  static const auto cfg = hotline::config::load(HOTLINE_SOURCE_DIR "/config/chongqing");
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    const auto d = hotline::http::parse_demand(hotline::http::parse_json_object(input), cfg);
    check(!d.request_id.empty(), "a demand without a request id was accepted");
    check(!d.caller_phone.empty(), "a demand without a phone was accepted");
    check(!d.where.address.empty() || d.where.coords.has_value(),
          "a demand without a place was accepted (M-R-1)");
  } catch (const hotline::http::input_error& e) {
    check(e.status == 400 && !e.code.empty(), "a JSON refusal without 400 and a code");
  } catch (const hotline::http::api_error& e) {
    check(e.status >= 400 && e.status < 500 && !e.code.empty(),
          "a field refusal without a 4xx status and a code");
  }
  return 0;
}
