// GET /api/v1/audit?from=&to=&user=&ticket=&after=&limit= — the audit log,
// for auditors only (M-D-3).
#include "adapters/http/handlers/common.hpp"
#include "adapters/redis/audit_log.hpp"

namespace hotline::http::handlers {

namespace r = hotline::routing;
using nlohmann::json;

void read_audit(const call_ptr& c) {
  const auto& q = c->req.query;
  auto when = [&](const char* key, r::instant fallback) {
    auto i = q.find(key);
    if (i == q.end() || i->second.empty())
      return fallback;
    auto t = r::parse_instant(i->second);
    if (!t)
      throw api_error{422, "invalid_field", "must be ISO 8601 with an offset", key};
    return *t;
  };
  const r::instant from = when("from", 0);
  const r::instant to = when("to", std::numeric_limits<std::int64_t>::max() / 2);
  std::size_t limit = 200;
  if (auto i = q.find("limit"); i != q.end()) {
    if (i->second.empty() || i->second.size() > 4
        || i->second.find_first_not_of("0123456789") != std::string::npos)
      throw api_error{422, "invalid_field", "must be a number from 1 to 1000", "limit"};
    limit = std::stoul(i->second);
    if (limit < 1 || limit > 1000)
      throw api_error{422, "invalid_field", "must be a number from 1 to 1000", "limit"};
  }
  std::string after;
  if (auto i = q.find("after"); i != q.end()) {
    after = i->second;
    if (after.find_first_not_of("0123456789-") != std::string::npos || after.size() > 40)
      throw api_error{422, "invalid_field", "must be an audit entry id", "after"};
  }
  const std::string user = q.count("user") ? q.at("user") : "";
  const std::string ticket = q.count("ticket") ? q.at("ticket") : "";
  with_storage(c, [c, from, to, limit, after, user, ticket] {
    redis::audit_log log(c->ctx.pool);
    json entries = json::array();
    std::string cursor = after;
    // Filters apply to what is read: read pages until `limit` match or the
    // range ends (bounded, so a rare filter cannot hold the pool long).
    for (int page = 0; page < 20 && entries.size() < limit; ++page) {
      auto batch = log.read(from, to, 500, cursor);
      for (const auto& e : batch) {
        cursor = e.id;
        if ((!user.empty() && e.user != user) || (!ticket.empty() && e.ticket_no != ticket))
          continue;
        entries.push_back({{"id", e.id},
                           {"at", r::format_instant(e.at)},
                           {"action", e.action},
                           {"user", e.user},
                           {"display_name", e.display_name},
                           {"unit_id", e.unit_id},
                           {"ticket_no", e.ticket_no.empty() ? json(nullptr) : json(e.ticket_no)},
                           {"purpose", e.purpose.empty() ? json(nullptr) : json(e.purpose)},
                           {"subject", e.subject.empty() ? json(nullptr) : json(e.subject)},
                           {"client", e.client}});
        if (entries.size() >= limit)
          break;
      }
      if (batch.size() < 500)
        break;
    }
    c->reply(200, {{"entries", entries},
                   {"next", entries.size() >= limit ? json(cursor) : json(nullptr)}});
  });
}

} // namespace hotline::http::handlers
