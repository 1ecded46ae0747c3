#include "adapters/archive/verify.hpp"

#include <map>
#include <set>

#include "adapters/archive/chain.hpp"

namespace hotline::archive {

namespace {

// "closed_day BETWEEN …" for the range, with its parameters.
std::string range_sql(const std::string& column, const std::optional<std::string>& from,
                      const std::optional<std::string>& to, std::vector<pg_param>& params) {
  std::string sql = " WHERE 1 = 1";
  if (from) {
    params.push_back({*from});
    sql += " AND " + column + " >= $" + std::to_string(params.size());
  }
  if (to) {
    params.push_back({*to});
    sql += " AND " + column + " <= $" + std::to_string(params.size());
  }
  return sql;
}

struct ticket_row {
  std::string day;
  long long events = 0;
  std::string head; // hex
};

// Checks one ticket's events against its chain and its row; returns the
// head recomputed from the events as stored.
std::string check_ticket(pg_connection& c, const std::string& no, const ticket_row& t,
                         verify_report& out) {
  auto rows = c.exec("SELECT version, body, hash FROM hl_archive_events WHERE ticket_no = $1"
                     " ORDER BY version",
                     {{no}});
  out.events += static_cast<std::size_t>(rows.size());
  auto report = [&](std::string problem) { out.findings.push_back({"ticket", no, problem}); };
  std::string h = chain_start(no);
  bool chain_ok = true;
  long long expected = 1;
  for (int i = 0; i < rows.size(); ++i) {
    const long long v = rows.integer(i, 0);
    if (v != expected) {
      report(v > expected ? "event " + std::to_string(expected) + " removed"
                          : "event " + std::to_string(v) + " inserted");
      chain_ok = false;
      expected = v;
    }
    ++expected;
    h = chain_next(h, rows.bytes(i, 1));
    if (chain_ok && hex(h) != rows.text(i, 2)) {
      report("event " + std::to_string(v) + " altered (its hash does not follow the chain)");
      chain_ok = false;
    }
  }
  if (rows.size() > t.events)
    report(std::to_string(rows.size() - t.events) + " event(s) inserted after the last archived");
  else if (rows.size() < t.events && chain_ok)
    report(std::to_string(t.events - rows.size()) + " event(s) removed at the end");
  if (chain_ok && rows.size() == t.events && hex(h) != t.head)
    report("altered: its last hash is not the archived one");
  return h;
}

} // namespace

verify_report verify(pg_connection& c, const std::optional<std::string>& from,
                     const std::optional<std::string>& to) {
  verify_report out;
  std::vector<pg_param> params;
  auto trows = c.exec("SELECT ticket_no, closed_day, events, head_hash FROM hl_archive_tickets"
                          + range_sql("closed_day", from, to, params) + " ORDER BY ticket_no",
                      params);
  std::map<std::string, ticket_row> tickets;
  for (int i = 0; i < trows.size(); ++i)
    tickets[trows.text(i, 0)] = {trows.text(i, 1), trows.integer(i, 2), trows.text(i, 3)};
  // The days' tickets with their heads recomputed from the events.
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> by_day;
  std::set<std::string> named; // tickets already reported by their chain
  for (const auto& [no, t] : tickets) {
    ++out.tickets;
    const auto before = out.findings.size();
    by_day[t.day].emplace_back(no, check_ticket(c, no, t, out));
    if (out.findings.size() > before)
      named.insert(no);
  }
  auto orphans = c.exec("SELECT DISTINCT e.ticket_no FROM hl_archive_events e WHERE NOT EXISTS"
                        " (SELECT 1 FROM hl_archive_tickets t WHERE t.ticket_no = e.ticket_no)"
                        " ORDER BY 1");
  for (int i = 0; i < orphans.size(); ++i)
    out.findings.push_back({"ticket", orphans.text(i, 0),
                            "events without a ticket row (inserted, or its row removed)"});

  params.clear();
  auto drows = c.exec("SELECT day, tickets, merkle_root, ticket_list FROM hl_archive_days"
                          + range_sql("day", from, to, params) + " ORDER BY day",
                      params);
  std::set<std::string> seen;
  for (int i = 0; i < drows.size(); ++i) {
    const auto day = drows.text(i, 0);
    seen.insert(day);
    ++out.days;
    const auto& found = by_day[day];
    const auto listed_pairs = parse_day_list(drows.text(i, 3));
    const std::map<std::string, std::string> listed(listed_pairs.begin(), listed_pairs.end());
    // The record itself: its list gives its root.
    if (hex(merkle_root(listed_pairs)) != drows.text(i, 2)
        || drows.integer(i, 1) != static_cast<long long>(listed_pairs.size()))
      out.findings.push_back(
          {"day", day, "its record was altered: the ticket list does not give the Merkle root"});
    for (const auto& [no, h] : listed)
      if (!tickets.count(no))
        out.findings.push_back({"ticket", no, "removed (listed for day " + day + ")"});
    for (const auto& [no, head] : found) {
      auto it = listed.find(no);
      if (it == listed.end())
        out.findings.push_back({"ticket", no, "inserted (not listed for day " + day + ")"});
      else if (it->second != head && !named.count(no))
        out.findings.push_back({"ticket", no,
                                "altered: its events no longer give the last hash recorded for "
                                "day "
                                    + day});
    }
    if (hex(merkle_root(found)) != drows.text(i, 2))
      out.findings.push_back({"day", day,
                              "altered: its " + std::to_string(found.size())
                                  + " archived tickets give another Merkle root than the "
                                  + std::to_string(drows.integer(i, 1)) + " recorded"});
  }
  for (const auto& [day, found] : by_day)
    if (!seen.count(day) && !found.empty()) {
      ++out.days;
      out.findings.push_back({"day", day, "its Merkle root was removed"});
    }
  return out;
}

} // namespace hotline::archive
