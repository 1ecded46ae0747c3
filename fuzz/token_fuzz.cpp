// Bearer tokens: verify_token on arbitrary bytes must refuse without
// crashing, and whatever principal the input describes must survive
// sign/verify and be refused under another secret. Kept tiny so it follows
// the token format when crypto.hpp changes it: only the two calls below.

#include "adapters/crypto/crypto.hpp"
#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace crypto = hotline::crypto;
  using hotline::fuzz::check;
  static const std::string secret(32, 's');
  static const std::string other_secret(32, 'o');
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // Forged: without the secret nothing verifies.
  check(!crypto::verify_token(secret, input), "an unsigned input verifies");

  // Round trip: byte 0 picks the role, the rest is the unit id.
  crypto::principal p;
  p.who = !input.empty() && (input[0] & 1) ? crypto::role::office : crypto::role::unit;
  if (p.who == crypto::role::unit && !input.empty())
    p.unit_id = std::string(input.substr(1));
  std::string token;
  try {
    token = crypto::sign_token(secret, p);
  } catch (const std::invalid_argument&) {
    return 0; // a unit id sign_token refuses
  }
  const auto back = crypto::verify_token(secret, token);
  check(back && *back == p, "a signed token does not verify to its principal");
  check(!crypto::verify_token(other_secret, token), "a token verifies under another secret");
  std::string tampered = token;
  tampered[size % tampered.size()] ^= 0x01;
  check(!crypto::verify_token(secret, tampered), "a tampered token verifies");
  return 0;
}
