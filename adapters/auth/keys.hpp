#pragma once
// Where staff accounts, sessions and login counters live in Redis (M-U-1,
// M-D-3). This is the one place the layout is written down; every key of
// adapters/auth is built here. `P` is the prefix, "hl" in production.
//
//   P:users                       set of every username (for `list`)
//   P:user:{username}             hash: name (display name, UTF-8), unit
//                                 (unit id; the office's id for office
//                                 accounts), office ("1"/"0"), roles (role
//                                 names joined by ','), hash (Argon2id,
//                                 crypto_pwhash_str format), disabled
//                                 ("1"/"0"), created, updated (ms since the
//                                 epoch), gen (bumped by every change that
//                                 must end the account's sessions)
//   P:user-sessions:{username}    set of the ids of the account's sessions,
//                                 so that disabling it ends them all at once
//   P:session:{id}                hash: user, name, unit, office, roles (a
//                                 copy taken at login), created, touched,
//                                 idle_until, abs_until (ms since the epoch)
//   P:login-fail:user:{username}  hash: count, until — failed logins of an
//                                 account in the window that ends at `until`
//   P:login-fail:ip:{address}     the same per client address
//
// A session's id is the SHA-256 (hex) of its token: Redis never holds a
// token, so a copy of the database (or of its AOF) cannot be replayed as a
// login. The times that decide expiry are fields compared with the caller's
// `now`; Redis TTLs (PEXPIRE) only collect what is already dead, so an
// injected clock and the server's clock never disagree about validity.

#include <string>
#include <string_view>

namespace hotline::auth::keys {

inline std::string users(std::string_view p) {
  return std::string(p) + ":users";
}
inline std::string user(std::string_view p, std::string_view username) {
  return std::string(p) + ":user:" + std::string(username);
}
inline std::string user_sessions(std::string_view p, std::string_view username) {
  return std::string(p) + ":user-sessions:" + std::string(username);
}
/// The prefix of session keys; a session key is this followed by its id.
inline std::string session_prefix(std::string_view p) {
  return std::string(p) + ":session:";
}
inline std::string session(std::string_view p, std::string_view id) {
  return session_prefix(p) + std::string(id);
}
inline std::string failed_logins_of_user(std::string_view p, std::string_view username) {
  return std::string(p) + ":login-fail:user:" + std::string(username);
}
inline std::string failed_logins_of_ip(std::string_view p, std::string_view address) {
  return std::string(p) + ":login-fail:ip:" + std::string(address);
}

} // namespace hotline::auth::keys
