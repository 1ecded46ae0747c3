#pragma once
// Staff accounts in Redis (M-U-1 people and roles, M-D-3 access to caller
// data controlled): who may sign in, for which unit, with which roles. The
// key layout is in adapters/auth/keys.hpp. Every change that narrows what
// an account may do (disable, new roles, new password) ends its sessions in
// the same atomic step, so no node keeps serving them.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/auth/password.hpp"
#include "adapters/redis/connection.hpp"
#include "routing/access.hpp"
#include "routing/directory.hpp"

namespace hotline::auth {

/// An account as stored, without its password hash: nothing that lists or
/// shows accounts can leak a hash.
struct account {
  std::string username;
  std::string display_name;
  std::string unit_id; // the office's id for office accounts
  bool office = false;
  routing::role_set roles;
  bool disabled = false;
  std::int64_t created_at = 0; // ms since the epoch
  std::int64_t updated_at = 0;
};

/// What `accounts::add` needs. The password is hashed there.
struct new_account {
  std::string username;
  std::string display_name;
  std::string unit_id; // the office's id makes an office account
  routing::role_set roles;
  std::string password;
};

/// Why an account operation was refused. `code` is stable (for API error
/// bodies), `field` names the input at fault; what() is a sentence.
enum class account_errc {
  invalid_username,
  invalid_display_name,
  invalid_password,
  invalid_role,
  unknown_unit,
  exists,
  not_found,
};
std::string_view to_string(account_errc c);

class account_refused : public std::runtime_error {
 public:
  account_refused(account_errc code, std::string field, const std::string& message)
      : std::runtime_error(message), code_(code), field_(std::move(field)) {}
  account_errc code() const { return code_; }
  const std::string& field() const { return field_; }

 private:
  account_errc code_;
  std::string field_;
};

/// Why `name` cannot be a display name, or nullopt if it can: valid UTF-8,
/// 1-32 code points, no control characters (C0, DEL, C1). Staff see it in
/// timelines (M-SV-3), so it must print as it reads.
std::optional<std::string> display_name_problem(std::string_view name);

class accounts {
 public:
  /// `pool` is the Redis the sessions use too; `passwords` sets the Argon2id
  /// costs of new hashes.
  explicit accounts(redis::pool& pool, password_options passwords = password_options::interactive(),
                    std::string prefix = "hl");

  /// Adds an account and returns it. The unit must exist in `dir` (Redis
  /// cannot know the configuration); the office's id makes an office
  /// account. Throws account_refused for bad input or a taken username,
  /// redis::redis_error if Redis fails.
  account add(const new_account& a, const routing::directory& dir, std::int64_t now);

  std::optional<account> get(std::string_view username);
  /// Every account, by username.
  std::vector<account> list();

  /// Refuses new logins and ends every session of the account at once.
  /// Throws account_refused (not_found) for an unknown username.
  void disable(std::string_view username, std::int64_t now);
  /// Allows logins again. Sessions ended by disable() stay ended.
  void enable(std::string_view username, std::int64_t now);
  /// Stores a new hash and ends the account's sessions: whoever knew the old
  /// password is signed out. Throws account_refused (invalid_password,
  /// not_found).
  void set_password(std::string_view username, std::string_view password, std::int64_t now);
  /// Replaces the roles (checked against the account's unit) and ends the
  /// account's sessions, which carry a copy of the old ones.
  void set_roles(std::string_view username, routing::role_set roles, std::int64_t now);

 private:
  /// Sets `fields`, bumps gen, stamps updated and, if `end_sessions`,
  /// deletes every session of the account; false if it does not exist.
  bool update(std::string_view username, const std::vector<std::string>& fields, bool end_sessions,
              std::int64_t now);

  redis::pool& pool_;
  password_options passwords_;
  std::string prefix_;
};

} // namespace hotline::auth
