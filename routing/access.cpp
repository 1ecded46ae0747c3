#include "routing/access.hpp"

#include <array>

namespace hotline::routing {

namespace {
struct role_name {
  role r;
  std::string_view en, zh;
};
constexpr std::array<role_name, role_count> role_names{{
    {role::operator_, "operator", "话务员"},
    {role::supervisor, "supervisor", "值班长"},
    {role::liaison, "liaison", "联络员"},
    {role::handler, "handler", "承办人"},
    {role::auditor, "auditor", "审计员"},
    {role::admin, "admin", "管理员"},
}};
} // namespace

std::string_view to_string(role r) {
  return role_names[static_cast<std::size_t>(r)].en;
}

std::string_view label_zh(role r) {
  return role_names[static_cast<std::size_t>(r)].zh;
}

std::optional<role> parse_role(std::string_view s) {
  for (const auto& n : role_names)
    if (n.en == s)
      return n.r;
  return std::nullopt;
}

std::vector<role> role_set::list() const {
  std::vector<role> out;
  for (const auto& n : role_names)
    if (has(n.r))
      out.push_back(n.r);
  return out;
}

std::string join_roles(role_set roles) {
  std::string out;
  for (auto r : roles.list()) {
    if (!out.empty())
      out += ',';
    out += to_string(r);
  }
  return out;
}

std::optional<role_set> split_roles(std::string_view text) {
  role_set out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto r = parse_role(text.substr(0, comma));
    if (!r)
      return std::nullopt;
    out.add(*r);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return out;
}

role_set office_roles() {
  return role_set::of({role::operator_, role::supervisor, role::auditor, role::admin});
}

role_set unit_roles() {
  return role_set::of({role::liaison, role::handler});
}

std::optional<account_error> check_account_roles(bool office, role_set roles) {
  if (roles.empty())
    return account_error{"role", "an account needs at least one role"};
  const role_set allowed = office ? office_roles() : unit_roles();
  for (auto r : roles.list())
    if (!allowed.has(r))
      return account_error{"role", std::string("role '") + std::string(to_string(r))
                                       + (office ? "' belongs to a unit's account, not the office's"
                                                 : "' belongs to an office account, not a unit's")};
  return std::nullopt;
}

bool valid_username(std::string_view s) {
  if (s.size() < 3 || s.size() > 64)
    return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return false;
  return true;
}

} // namespace hotline::routing
