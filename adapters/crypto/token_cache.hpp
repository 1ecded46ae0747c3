#pragma once
// Issue 16 item 4 (cheap answers): an automation token's signature is
// checked once; the principal it grants is remembered until the token
// expires, so each later request with it costs one hash lookup instead of
// two base64url decodings, an HMAC-SHA256 and the parsing of its grant.
//
// Sound because nothing revokes one automation token (docs/SECURITY.md):
// only a new `token.key`, which a node reads at start, so a restarted node
// starts with an empty cache. The expiry is checked on every hit, to the
// millisecond, as verify_automation_token does. Sessions ("s1.…") are not
// signed and can be ended at any time: auth::session_cache handles those.
// Only acceptances are kept (forged tokens must not fill memory), at most
// `max_entries`; when full, expired ones go, then everything.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "adapters/crypto/crypto.hpp"

namespace hotline::crypto {

class token_cache {
 public:
  token_cache(std::string secret, std::string office_id, std::size_t max_entries = 10000);

  /// As verify_automation_token(secret, token, now, office_id). Thread-safe.
  std::optional<routing::principal> verify(const std::string& token, std::int64_t now);

  /// Signatures checked so far (misses and refusals), for tests and metrics.
  std::uint64_t signatures_checked() const;
  std::size_t size() const;

 private:
  std::string secret_;
  std::string office_id_;
  std::size_t max_entries_;
  mutable std::mutex mtx_;
  std::unordered_map<std::string, verified_token> entries_;
  std::uint64_t checked_ = 0;
};

} // namespace hotline::crypto
