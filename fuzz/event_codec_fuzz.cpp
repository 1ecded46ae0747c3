// The MessagePack event decoder on arbitrary bytes (a corrupted stream entry
// in Redis): codec.hpp promises std::runtime_error for anything that is not
// an event of a known type, and an event it decodes must survive a round
// trip: encode(decode(x)) decodes to the same type and encodes to the same
// bytes.

#include "adapters/redis/codec.hpp"
#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hotline::fuzz::check;
  namespace redis = hotline::redis;
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
