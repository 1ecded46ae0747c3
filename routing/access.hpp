#pragma once
// People and roles (M-U-1, M-D-3): who acts on the hotline and what each
// role may do. Pure: no I/O, no clock; accounts and sessions are stored by
// adapters/auth, and the HTTP route table says which roles may call what.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hotline::routing {

/// A staff role. A person may hold several.
enum class role : std::uint8_t {
  operator_,  // 话务员: intake and disposal at once (office)
  supervisor, // 值班长/督办: coordination, designation, escalation, callback,
              // extension decisions for city departments, evaluation (office)
  liaison,    // 联络员: a unit's fixed hotline contact: accept, return, extension
              // request, reply, opinions, name a handler; a district
              // government's liaison also decides its subordinates' extensions
  handler,    // 承办人: works the tickets the liaison assigns inside the unit
  auditor,    // 审计员: reads the audit log, nothing else
  admin,      // 管理员: manages accounts, no ticket rights
};
constexpr std::size_t role_count = 6;

std::string_view to_string(role r);
std::string_view label_zh(role r);
std::optional<role> parse_role(std::string_view s);

/// A set of roles, as bits (1 << role).
struct role_set {
  std::uint32_t bits = 0;

  static role_set of(std::initializer_list<role> rs) {
    role_set s;
    for (auto r : rs)
      s.add(r);
    return s;
  }
  void add(role r) { bits |= 1u << static_cast<unsigned>(r); }
  bool has(role r) const { return (bits >> static_cast<unsigned>(r)) & 1u; }
  bool any_of(role_set other) const { return (bits & other.bits) != 0; }
  bool empty() const { return bits == 0; }
  std::vector<role> list() const;
  friend bool operator==(role_set a, role_set b) { return a.bits == b.bits; }
  friend bool operator!=(role_set a, role_set b) { return a.bits != b.bits; }
};

/// Role names joined by ',' ("operator,supervisor"), as accounts, sessions
/// and automation tokens store them.
std::string join_roles(role_set roles);
/// Inverse of join_roles; nullopt on an unknown name.
std::optional<role_set> split_roles(std::string_view text);

/// Roles an office account may hold, and roles a unit account may hold.
/// An admin or auditor belongs to the office.
role_set office_roles();
role_set unit_roles();

/// The person who took a step, recorded with its event (M-SV-3: every step
/// explainable, down to the person). Empty for callers, timers and the
/// router.
struct person {
  std::string user; // account username, or "token" for an automation token
  std::string name; // display name at the time of the step
};

/// Who is acting: a signed-in person (or an automation token made by
/// `hotline token`), the unit they act for, and their roles. Anonymous
/// callers have no principal.
struct principal {
  std::string user;         // account username; "token" for a `hotline token`
  std::string display_name; // shown to staff in timelines (M-SV-3)
  std::string unit_id;      // the office's id, or a handling unit's id
  bool office = false;      // unit_id is the coordination office
  role_set roles;
  std::string session; // the session's id (a hash, never the token); "" for tokens
};

/// Why an account cannot be made as asked, or nullopt if it can: at least
/// one role; office roles only for office accounts, unit roles only for
/// unit accounts. `field` is "role" or "unit".
struct account_error {
  std::string field;
  std::string message;
};
std::optional<account_error> check_account_roles(bool office, role_set roles);

/// A username: 3-64 characters of a-z 0-9 . _ - (lower case, so that one
/// person cannot hold two accounts differing only in case).
bool valid_username(std::string_view s);

} // namespace hotline::routing
