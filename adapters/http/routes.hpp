#pragma once
// The route table (DESIGN: the HTTP layer is a table, not a chain). Every
// endpoint is declared once: method, path pattern, who may call it, its
// handler and a summary. Authorization runs from this table before any
// handler, forwarding or store access; docs/SECURITY.md's role × endpoint
// matrix is rendered from it and a test checks the two agree, and the e2e
// matrix test walks it against the real hotlined.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routing/access.hpp"

namespace hotline::http {

struct call;
using call_ptr = std::shared_ptr<call>;
using handler_fn = void (*)(const call_ptr&);

/// Who may call an endpoint.
struct access_rule {
  /// Anyone, with or without credentials (health, public catalogs).
  bool open = false;
  /// Callers without credentials (intake, the caller's view with a code).
  bool anonymous = false;
  /// Staff holding any of these roles.
  routing::role_set roles;
};

struct route {
  std::string_view method;
  std::string_view pattern; // "/api/v1/tickets/{no}/accept"
  std::string_view name;    // metrics label
  access_rule who;
  handler_fn fn;
  std::string_view summary;
};

/// Every endpoint of the API, in the order of docs/API.md.
const std::vector<route>& route_table();

/// The route for a request: path parameters by name; `allowed` lists the
/// methods of a path that matched with another method (405).
struct route_match {
  const route* r = nullptr;
  std::map<std::string, std::string> params;
  std::vector<std::string_view> allowed;
};
route_match find_route(const std::vector<route>& table, std::string_view method,
                       std::string_view path);

enum class verdict { allow, unauthenticated, forbidden };
/// The table's decision for `who` (nullopt: no credentials) on `r`.
verdict authorize(const route& r, const std::optional<routing::principal>& who);

/// docs/SECURITY.md's matrix: one row per endpoint, one column per role
/// and for anonymous callers ("✓" may, "·" may not).
std::string rbac_matrix_markdown(const std::vector<route>& table);

} // namespace hotline::http
