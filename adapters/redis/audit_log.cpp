#include "adapters/redis/audit_log.hpp"

#include <nlohmann/json.hpp>

namespace hotline::redis {

using nlohmann::json;

std::string audit_log::append(const audit_entry& e) {
  const json body{{"action", e.action},   {"user", e.user},        {"name", e.display_name},
                  {"unit", e.unit_id},    {"ticket", e.ticket_no}, {"purpose", e.purpose},
                  {"subject", e.subject}, {"client", e.client}};
  auto c = pool_.acquire();
  auto rep = c->command({"XADD", key_, "*", "e", body.dump()});
  check(rep.get(), "XADD audit");
  return reply_string(rep.get());
}

std::vector<audit_entry> audit_log::read(routing::instant from, routing::instant to,
                                         std::size_t limit, const std::string& after) {
  auto c = pool_.acquire();
  const std::string start = after.empty() ? std::to_string(from) : "(" + after;
  auto rep
      = c->command({"XRANGE", key_, start, std::to_string(to), "COUNT", std::to_string(limit)});
  check(rep.get(), "XRANGE audit");
  std::vector<audit_entry> out;
  for (std::size_t i = 0; i < rep->elements; ++i) {
    const auto* e = rep->element[i];
    if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 || e->element[1]->elements < 2)
      continue;
    audit_entry x;
    x.id = reply_string(e->element[0]);
    x.at = std::stoll(x.id.substr(0, x.id.find('-')));
    const auto body = json::parse(reply_string(e->element[1]->element[1]), nullptr, false);
    if (body.is_object()) {
      x.action = body.value("action", "");
      x.user = body.value("user", "");
      x.display_name = body.value("name", "");
      x.unit_id = body.value("unit", "");
      x.ticket_no = body.value("ticket", "");
      x.purpose = body.value("purpose", "");
      x.subject = body.value("subject", "");
      x.client = body.value("client", "");
    }
    out.push_back(std::move(x));
  }
  return out;
}

} // namespace hotline::redis
