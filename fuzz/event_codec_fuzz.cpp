// The MessagePack event decoder on arbitrary bytes (a corrupted stream entry
// in Redis): codec.hpp promises std::runtime_error for anything that is not
// an event of a known type, and an event it decodes must survive a round
// trip: encode(decode(x)) decodes to the same type and encodes to the same
// bytes. The same for a worklist summary (hl:wl:{unit}, the push feed).

#include "adapters/redis/codec.hpp"
#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

namespace {

void summary_round_trip(std::string_view input) {
  using hotline::fuzz::check;
  namespace redis = hotline::redis;
  hotline::routing::ticket_summary t;
  try {
    t = redis::decode_summary(input);
  } catch (const std::runtime_error&) {
    return;
  }
  const std::string bytes = redis::encode(t);
  check(redis::encode(redis::decode_summary(bytes)) == bytes,
        "a decoded summary does not encode stably");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hotline::fuzz::check;
  namespace redis = hotline::redis;
  summary_round_trip(std::string_view(reinterpret_cast<const char*>(data), size));
  hotline::routing::event event;
  try {
    event = redis::decode(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const std::runtime_error&) {
    return 0; // the promised refusal; anything else escapes and is a finding
  }
  const std::string bytes = redis::encode(event);
  const auto again = redis::decode(bytes);
  check(again.index() == event.index(), "a decoded event re-decodes to another type");
  check(redis::encode(again) == bytes, "a decoded event does not encode stably");
  return 0;
}
