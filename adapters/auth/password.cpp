#include "adapters/auth/password.hpp"

#include <sodium.h>

#include "routing/privacy.hpp"

#include <stdexcept>

namespace hotline::auth {

namespace {

/// sodium_init() is idempotent and thread-safe; calling it before every use
/// keeps callers from having to remember it.
void ensure_sodium() {
  if (sodium_init() < 0)
    throw std::runtime_error("auth: libsodium cannot start");
}

} // namespace

password_options password_options::interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

password_options password_options::minimum() {
  return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
}

std::optional<std::size_t> utf8_length(std::string_view text) {
  if (!routing::valid_utf8(text))
    return std::nullopt;
  return routing::utf8_length(text);
}

std::optional<std::string> password_problem(std::string_view password) {
  const auto n = utf8_length(password);
  if (!n)
    return "the password is not valid UTF-8";
  if (*n < min_password_length)
    return "the password needs at least " + std::to_string(min_password_length) + " characters";
  if (*n > max_password_length)
    return "the password may have at most " + std::to_string(max_password_length) + " characters";
  return std::nullopt;
}

std::string hash_password(std::string_view password, const password_options& opts) {
  if (auto problem = password_problem(password))
    throw std::invalid_argument("auth: " + *problem);
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), opts.ops_limit, opts.mem_limit) != 0)
    throw std::runtime_error("auth: Argon2id hashing failed (out of memory?)");
  return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) {
  ensure_sodium();
  // crypto_pwhash_str_verify wants a NUL-terminated string that fits.
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES)
    return false;
  const std::string h(hash);
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

bool needs_rehash(std::string_view hash, const password_options& opts) {
  ensure_sodium();
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES)
    return true;
  const std::string h(hash);
  return crypto_pwhash_str_needs_rehash(h.c_str(), opts.ops_limit, opts.mem_limit) != 0;
}

std::string generate_password() {
  static constexpr std::string_view alphabet
      = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
  ensure_sodium();
  std::string out;
  out.reserve(16);
  for (int i = 0; i < 16; ++i)
    out.push_back(alphabet[randombytes_uniform(static_cast<std::uint32_t>(alphabet.size()))]);
  return out;
}

} // namespace hotline::auth
