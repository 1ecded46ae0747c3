#pragma once
// Staff passwords (M-D-3): Argon2id hashes from libsodium, checked lengths,
// and generated passwords. The hash string carries its own salt and costs,
// so raising the costs later only needs a rehash at the next login.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hotline::auth {

/// Argon2id costs. Production uses libsodium's INTERACTIVE limits; tests use
/// the MIN limits so that a hash takes microseconds, not a tenth of a second.
struct password_options {
  unsigned long long ops_limit;
  std::size_t mem_limit;

  static password_options interactive();
  static password_options minimum();
};

/// Passwords are counted in UTF-8 code points, not bytes: a Chinese
/// passphrase of ten characters is as long as an ASCII one.
constexpr std::size_t min_password_length = 10;
constexpr std::size_t max_password_length = 256;

/// Why `password` cannot be used, or nullopt if it can: not valid UTF-8,
/// shorter than min_password_length or longer than max_password_length.
std::optional<std::string> password_problem(std::string_view password);

/// The Argon2id hash of `password` (crypto_pwhash_str format, with a fresh
/// random salt). Throws std::invalid_argument if password_problem() objects,
/// std::runtime_error if libsodium runs out of memory.
std::string hash_password(std::string_view password, const password_options& opts);

/// True if `password` matches `hash`. False for a malformed hash. Takes the
/// time of one Argon2id computation whatever the answer.
bool verify_password(std::string_view hash, std::string_view password);

/// True if `hash` was made with other costs than `opts` (or is not an
/// Argon2id hash at all): the next successful login should store a new one.
bool needs_rehash(std::string_view hash, const password_options& opts);

/// A random password of 16 characters from an alphabet without look-alikes
/// (no 0/O, 1/l/I), drawn with libsodium's randombytes_uniform: about 92
/// bits, for `hotline user add` when no password is given.
std::string generate_password();

/// The number of code points in `text`, or nullopt if it is not valid UTF-8
/// (overlong forms, surrogates and values past U+10FFFF are invalid).
std::optional<std::size_t> utf8_length(std::string_view text);

} // namespace hotline::auth
