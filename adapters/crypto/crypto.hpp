#pragma once
// Cryptography at the edges: the at-rest key, AES-256-GCM sealing of caller
// data (name, phone, contact), HMAC-signed bearer tokens, and the random
// values the hotline hands out (提取码). Everything goes through OpenSSL EVP;
// nothing here hand-rolls a primitive. Nothing here logs, and no error
// message ever contains key material, plaintext or a token.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "routing/access.hpp"

namespace hotline::crypto {

/// Size in bytes of every secret this module creates or accepts as an
/// AES-256-GCM key.
constexpr std::size_t key_size = 32;

/// Returns the 32-byte secret stored at `path`, creating it first if the file
/// does not exist: parent directories are created, the bytes come from
/// RAND_bytes, the file gets mode 0600 and is fsynced before it becomes
/// visible (written to a temporary name, then hard-linked into place, so a
/// concurrent starter never reads a half-written key and never overwrites
/// one). Throws std::runtime_error naming the path if the file cannot be
/// read or created, or if an existing file is not exactly 32 bytes — a wrong
/// key must stop the process, never be silently replaced.
std::string load_or_create_key(const std::filesystem::path& path);

/// Encrypts `plaintext` with AES-256-GCM under `key` (must be 32 bytes, else
/// std::invalid_argument). Returns 12-byte random nonce || ciphertext ||
/// 16-byte tag. `aad` is authenticated but not encrypted: callers pass the
/// ticket number so a sealed blob cannot be moved to another ticket. Two
/// seals of the same plaintext differ (fresh nonce each time). Throws
/// std::runtime_error if OpenSSL fails.
std::string seal(std::string_view key, std::string_view plaintext, std::string_view aad = {});

/// Inverse of seal. Returns the plaintext, or nullopt if the key, the aad or
/// the data do not authenticate (including a key that is not 32 bytes and
/// input too short to hold a nonce and a tag). Never returns unauthenticated
/// bytes.
std::optional<std::string> open(std::string_view key, std::string_view sealed,
                                std::string_view aad = {});

/// Returns the raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);

/// Lowercase hex of raw bytes, and back (empty on bad input).
std::string hex(std::string_view bytes);
std::string unhex(std::string_view text);

/// Returns the SHA-256 of `data` as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);

/// Returns `data` in the URL-safe base64 alphabet (RFC 4648 §5), without
/// '=' padding.
std::string base64url_encode(std::string_view data);

/// Inverse of base64url_encode. Strict, so every byte string has exactly one
/// accepted text: nullopt on characters outside the alphabet (including '='
/// padding and whitespace), on a length that is 1 mod 4, and on non-zero
/// unused bits in the last character.
std::optional<std::string> base64url_decode(std::string_view text);

/// Returns `n` uniformly random decimal digits, e.g. the 6-digit extraction
/// code 提取码. Bytes come from RAND_bytes; values >= 250 are rejected so
/// every digit is equally likely. Throws std::runtime_error if the RNG fails.
std::string random_digits(std::size_t n);

/// Returns `bytes` random bytes from RAND_bytes as 2*`bytes` lowercase hex
/// digits. Throws std::runtime_error if the RNG fails.
std::string random_hex(std::size_t bytes);

/// True if `a` and `b` hold the same bytes. The comparison of equal-length
/// inputs takes time independent of their contents (CRYPTO_memcmp); inputs of
/// different lengths return false at once (lengths are not secret).
bool constant_time_equal(std::string_view a, std::string_view b);

// --- signed automation tokens (`hotline token`) -------------------------------

/// What a signed automation token grants: a unit (or the office), roles,
/// and an end. Scripts and integrations use these where no person signs in.
struct token_grant {
  bool office = false;
  std::string unit_id; // empty for the office: verify fills in the office's id
  routing::role_set roles;
  std::int64_t expires_at = 0; // ms since the epoch
};

/// Returns base64url(payload) "." base64url(HMAC-SHA256(secret, payload)),
/// payload "v2|office||<roles>|<expires_at>" or
/// "v2|unit|<unit_id>|<roles>|<expires_at>", roles as names joined by ','.
/// Throws std::invalid_argument for an empty secret, an office grant with a
/// unit id, a unit id that is empty or not [0-9A-Za-z.-], roles that
/// routing::check_account_roles refuses, or a negative expiry.
std::string sign_automation_token(std::string_view secret, const token_grant& g);

/// The principal a token grants at `now`: user "token", display name
/// "自动化令牌", the unit (or `office_id` for an office token), the roles, no
/// session. nullopt for a malformed, tampered or foreign-secret token, one
/// that expired (expires_at <= now), roles that do not fit the unit, an
/// empty `office_id`, and a unit token whose unit id is `office_id`: the
/// office's powers come only from an office token. The signature is checked,
/// in constant time, before the payload is parsed.
std::optional<routing::principal> verify_automation_token(std::string_view secret,
                                                          std::string_view token, std::int64_t now,
                                                          std::string_view office_id);

/// verify_automation_token with the token's own end (ms since the epoch),
/// for caches: the principal holds until then.
struct verified_token {
  routing::principal who;
  std::int64_t expires_at = 0;
};
std::optional<verified_token> check_automation_token(std::string_view secret,
                                                     std::string_view token, std::int64_t now,
                                                     std::string_view office_id);

} // namespace hotline::crypto
