#pragma once
// Staff sessions (M-D-3 access to caller data controlled): login with a
// password, bearer session tokens, idle and absolute expiry, logout, and
// login rate limits. The key layout is in adapters/auth/keys.hpp.
//
// Every function that depends on time takes `now` in milliseconds since the
// epoch, so tests drive a clock instead of sleeping; Redis TTLs only collect
// the dead.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "adapters/auth/password.hpp"
#include "adapters/redis/connection.hpp"
#include "routing/access.hpp"

namespace hotline::auth {

struct session_options {
  /// A session ends after this long without a verify().
  std::int64_t idle_ms = 30 * 60 * 1000;
  /// ... and this long after login whatever happens.
  std::int64_t absolute_ms = 12 * 60 * 60 * 1000;
  /// verify() moves the idle expiry at most this often per session, so that
  /// a busy session costs one write a minute, not one per request. The idle
  /// limit is therefore honoured to within this much.
  std::int64_t touch_interval_ms = 60 * 1000;
  /// Failed logins allowed per account, and per client address, in a window.
  int max_failures_per_account = 5;
  std::int64_t account_window_ms = 15 * 60 * 1000;
  int max_failures_per_ip = 20;
  std::int64_t ip_window_ms = 15 * 60 * 1000;
  /// Argon2id costs: of the dummy hash checked for unknown usernames (so
  /// that they take as long as known ones) and of rehashes at login.
  password_options passwords = password_options::interactive();
};

/// Why a login failed. The codes are stable: the HTTP layer returns them.
enum class login_error {
  /// Unknown username, wrong password or disabled account: one answer for
  /// all three, in about the same time, so that nobody learns which
  /// usernames exist or which accounts are disabled.
  invalid_credentials,
  /// Too many failed logins for the account or the client address; refused
  /// even with the right password until retry_after_s has passed.
  rate_limited,
};
std::string_view to_string(login_error e);

/// A new session. `token` is shown to the client once and stored nowhere.
struct session_grant {
  std::string token;       // "s1." + base64url(32 random bytes)
  std::int64_t expires_at; // the idle expiry, ms since the epoch; verify() moves it
  routing::principal who;
};

struct login_outcome {
  std::optional<session_grant> session; // set on success
  login_error error = login_error::invalid_credentials;
  std::int64_t retry_after_s = 0; // for rate_limited: whole seconds, at least 1

  explicit operator bool() const { return session.has_value(); }
};

/// A session verify() accepted, and until when it holds without another use.
struct verified_session {
  routing::principal who;
  std::int64_t expires_at = 0; // min(idle expiry, absolute expiry)
};

class sessions {
 public:
  /// Computes the dummy hash once (one Argon2id run with opts.passwords).
  explicit sessions(redis::pool& pool, session_options opts = {}, std::string prefix = "hl");

  /// Signs `username` in if `password` is right, the account enabled and no
  /// rate limit reached. Two Redis round trips (limits and account in one
  /// script; session in another) and one Argon2id verification whatever the
  /// outcome (rate_limited aside). `client_ip` is the peer address as the
  /// HTTP layer sees it. Throws redis::redis_error if Redis fails.
  login_outcome login(std::string_view username, std::string_view password,
                      std::string_view client_ip, std::int64_t now);

  /// The principal of a live session (principal.session is its id), or
  /// nullopt for a malformed, unknown, ended or expired token. One Redis
  /// round trip, which also slides the idle expiry (at most once per
  /// touch_interval_ms) and removes an expired session.
  std::optional<routing::principal> verify(std::string_view token, std::int64_t now);
  /// The same with the session's current expiry, for caches.
  std::optional<verified_session> check(std::string_view token, std::int64_t now);

  /// Ends the session of `token`; nothing happens for an unknown token.
  void logout(std::string_view token);

  /// The id under which a token's session is stored (its SHA-256, hex), or
  /// nullopt if `token` does not have the shape of a session token.
  static std::optional<std::string> session_id(std::string_view token);

  const session_options& options() const { return opts_; }

 private:
  redis::pool& pool_;
  session_options opts_;
  std::string prefix_;
  std::string dummy_hash_;
};

/// A verified session remembered for at most `max_age_ms`, in front of
/// sessions::check, so that a busy node does not read Redis on every
/// request. That bound is the promise: a session ended anywhere (logout on
/// another node, account disabled) is refused by every node within
/// max_age_ms. Only acceptances are cached; a refused token is asked again.
/// Thread-safe.
class session_cache {
 public:
  explicit session_cache(sessions& s, std::int64_t max_age_ms = 1000,
                         std::size_t max_entries = 10000);

  std::optional<routing::principal> verify(std::string_view token, std::int64_t now);
  /// True if verify(token, now) would answer from memory (no Redis).
  bool fresh(std::string_view token, std::int64_t now);
  /// Forgets a token at once (after a logout on this node).
  void forget(std::string_view token);

 private:
  struct entry {
    verified_session s;
    std::int64_t checked_at;
  };
  /// Under mtx_: a verification of session `id` younger than max_age_ms_.
  bool holds(const std::string& id, std::int64_t now) const;
  sessions& sessions_;
  std::int64_t max_age_ms_;
  std::size_t max_entries_;
  std::mutex mtx_;
  std::unordered_map<std::string, entry> entries_; // by session id
};

} // namespace hotline::auth
