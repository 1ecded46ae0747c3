// Automation tokens: verify_automation_token on arbitrary bytes must refuse
// without crashing, and whatever grant the input describes must survive
// sign/verify, and be refused under another secret, tampered, or expired.

#include "adapters/crypto/crypto.hpp"
#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace crypto = hotline::crypto;
  namespace r = hotline::routing;
  using hotline::fuzz::check;
  static const std::string secret(32, 's');
  static const std::string other_secret(32, 'o');
  static const std::string office = "cq.office";
  constexpr std::int64_t now = 1'764'000'000'000;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // Forged: without the secret nothing verifies.
  check(!crypto::verify_automation_token(secret, input, now, office), "an unsigned input verifies");

  // Round trip: byte 0 picks office or unit and the roles, the rest is the
  // unit id.
  crypto::token_grant g;
  const unsigned b = input.empty() ? 0 : static_cast<unsigned char>(input[0]);
  g.office = b & 1;
  g.roles.bits = (b >> 1) & 0x3f;
  if (!g.office)
    g.unit_id = std::string(input.substr(input.empty() ? 0 : 1));
  g.expires_at = now + 1000;
  std::string token;
  try {
    token = crypto::sign_automation_token(secret, g);
  } catch (const std::invalid_argument&) {
    return 0; // a grant sign_automation_token refuses
  }
  const auto back = crypto::verify_automation_token(secret, token, now, office);
  if (back) {
    check(back->roles == g.roles, "a signed token verifies to other roles");
    check(back->office == g.office, "a signed token verifies to another kind");
    check(g.office || back->unit_id == g.unit_id, "a signed token verifies to another unit");
  } else {
    check(!g.office && g.unit_id == office, "a signed token does not verify");
  }
  check(!crypto::verify_automation_token(other_secret, token, now, office),
        "a token verifies under another secret");
  check(!crypto::verify_automation_token(secret, token, now + 1000, office),
        "an expired token verifies");
  std::string tampered = token;
  tampered[size % tampered.size()] ^= 0x01;
  check(!crypto::verify_automation_token(secret, tampered, now, office),
        "a tampered token verifies");
  return 0;
}
