#include "adapters/archive/facts.hpp"

#include <spdlog/spdlog.h>

#include "adapters/archive/demands.hpp"
#include "adapters/redis/codec.hpp"

namespace hotline::archive {

namespace ev = routing::evaluation;

namespace {

constexpr const char* marker = "facts_v1";

std::string columns() {
  std::string out;
  for (std::size_t i = 0; i < ev::count_figures; ++i)
    out += (i ? ", " : "") + std::string(ev::to_string(static_cast<ev::count>(i)));
  return out;
}

std::string sum_columns() {
  std::string out;
  for (std::size_t i = 0; i < ev::count_figures; ++i)
    out += (i ? ", " : "") + std::string("SUM(")
           + std::string(ev::to_string(static_cast<ev::count>(i))) + ")";
  return out;
}

} // namespace

fact_deriver derive_with(routing::policy p, ev::rules r, const routing::directory& dir) {
  return [p, r, &dir](const std::string& no, const std::vector<std::string>& events,
                      long long closed_at) {
    std::vector<routing::event> decoded;
    decoded.reserve(events.size());
    for (const auto& e : events)
      decoded.push_back(redis::decode(e));
    return ticket_rows{ev::facts_of(no, decoded, p, r, static_cast<routing::instant>(closed_at)),
                       routing::volume::demand_of(no, decoded, dir)};
  };
}

void write_rows(pg_connection& c, const std::vector<ticket_rows>& rows) {
  std::vector<ev::fact> f;
  std::vector<routing::volume::demand> d;
  for (const auto& r : rows) {
    f.insert(f.end(), r.facts.begin(), r.facts.end());
    if (r.demand)
      d.push_back(*r.demand);
  }
  facts::write(c, f);
  demands::write(c, d);
}

const std::vector<std::string>& facts::schema() {
  static const std::vector<std::string> sql = [] {
    std::string create = "CREATE TABLE IF NOT EXISTS hl_archive_facts ("
                         " ticket_no VARCHAR(40) NOT NULL,"
                         " unit VARCHAR(80) NOT NULL,"
                         " role VARCHAR(12) NOT NULL,"
                         " month CHAR(7) NOT NULL";
    for (std::size_t i = 0; i < ev::count_figures; ++i)
      create += ", " + std::string(ev::to_string(static_cast<ev::count>(i)))
                + " SMALLINT NOT NULL DEFAULT 0";
    create += ", PRIMARY KEY (ticket_no, unit, role))";
    return std::vector<std::string>{
        create,
        "CREATE INDEX IF NOT EXISTS hl_archive_facts_month_unit ON hl_archive_facts (month, unit)",
        "CREATE TABLE IF NOT EXISTS hl_archive_meta ("
        " name VARCHAR(64) PRIMARY KEY, value TEXT NOT NULL)"};
  }();
  return sql;
}

void facts::write(pg_connection& c, const std::vector<ev::fact>& rows) {
  constexpr std::size_t per_statement = 1000; // 21 parameters a row, under libpq's 65535
  const std::size_t width = 4 + ev::count_figures;
  for (std::size_t from = 0; from < rows.size(); from += per_statement) {
    const std::size_t to = std::min(rows.size(), from + per_statement);
    std::string sql
        = "INSERT INTO hl_archive_facts (ticket_no, unit, role, month, " + columns() + ") VALUES ";
    std::vector<pg_param> params;
    params.reserve((to - from) * width);
    for (std::size_t i = from; i < to; ++i) {
      const auto& f = rows[i];
      sql += i > from ? ",(" : "(";
      for (std::size_t k = 0; k < width; ++k)
        sql += (k ? ",$" : "$") + std::to_string(params.size() + k + 1);
      sql += ")";
      params.push_back({f.ticket_no});
      params.push_back({f.unit});
      params.push_back({std::string(ev::to_string(f.part))});
      params.push_back({f.month});
      for (const auto v : f.n)
        params.push_back({std::to_string(v)});
    }
    sql += " ON CONFLICT (ticket_no, unit, role) DO NOTHING";
    c.exec(sql, params);
  }
}

bool facts::derived() {
  auto c = pool_.acquire();
  return c->exec("SELECT count(*) FROM hl_archive_meta WHERE name = $1", {{marker}}).integer(0, 0)
         > 0;
}

std::size_t facts::derive_earlier(const fact_deriver& derive, std::size_t batch) {
  if (derived())
    return 0;
  auto c = pool_.acquire();
  std::size_t read = 0;
  std::string after;
  for (;;) {
    auto nos = c->exec("SELECT ticket_no, closed_at FROM hl_archive_tickets WHERE ticket_no > $1"
                       " ORDER BY ticket_no LIMIT "
                           + std::to_string(batch),
                       {{after}});
    if (nos.size() == 0)
      break;
    const std::string first = nos.text(0, 0), last = nos.text(nos.size() - 1, 0);
    auto bodies = c->exec("SELECT ticket_no, body FROM hl_archive_events WHERE ticket_no >= $1"
                          " AND ticket_no <= $2 ORDER BY ticket_no, version",
                          {{first}, {last}});
    std::map<std::string, std::vector<std::string>> events;
    for (int i = 0; i < bodies.size(); ++i)
      events[bodies.text(i, 0)].push_back(bodies.bytes(i, 1));
    std::vector<ticket_rows> rows;
    for (int i = 0; i < nos.size(); ++i) {
      const auto no = nos.text(i, 0);
      try {
        rows.push_back(derive(no, events[no], nos.integer(i, 1)));
      } catch (const std::exception& e) {
        // An event that no longer decodes is `hotline verify`'s finding.
        spdlog::error("archive: facts of ticket {}: {}", no, e.what());
      }
    }
    c->exec("BEGIN");
    try {
      write_rows(*c, rows);
      c->exec("COMMIT");
    } catch (...) {
      c->exec("ROLLBACK");
      throw;
    }
    read += static_cast<std::size_t>(nos.size());
    after = last;
  }
  c->exec("INSERT INTO hl_archive_meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
          {{marker}, {std::to_string(read)}});
  if (read)
    spdlog::info("archive: evaluation facts derived for {} tickets archived before them", read);
  return read;
}

std::map<std::string, ev::counts> facts::sums(const ev::period& p, const std::string& unit) {
  auto c = pool_.acquire();
  std::vector<pg_param> params{{p.first_month}, {p.last_month}};
  std::string sql = "SELECT unit, " + sum_columns()
                    + " FROM hl_archive_facts WHERE month >= $1 AND month <= $2";
  if (!unit.empty()) {
    sql += " AND unit = $3";
    params.push_back({unit});
  }
  sql += " GROUP BY unit";
  auto rows = c->exec(sql, params);
  std::map<std::string, ev::counts> out;
  for (int i = 0; i < rows.size(); ++i) {
    auto& n = out[rows.text(i, 0)];
    for (std::size_t k = 0; k < ev::count_figures; ++k)
      n[k] = rows.integer(i, static_cast<int>(k) + 1);
  }
  return out;
}

std::vector<std::string> facts::tickets(const ev::period& p, const std::string& unit,
                                        const std::vector<ev::count>& which) {
  std::string any;
  for (const auto w : which)
    any += (any.empty() ? "" : " OR ") + std::string(ev::to_string(w)) + " > 0";
  auto c = pool_.acquire();
  auto rows = c->exec("SELECT DISTINCT ticket_no FROM hl_archive_facts WHERE month >= $1 AND"
                      " month <= $2 AND unit = $3 AND ("
                          + any + ") ORDER BY ticket_no",
                      {{p.first_month}, {p.last_month}, {unit}});
  std::vector<std::string> out;
  for (int i = 0; i < rows.size(); ++i)
    out.push_back(rows.text(i, 0));
  return out;
}

std::set<std::string> facts::archived(const std::vector<std::string>& nos) {
  std::set<std::string> out;
  auto c = pool_.acquire();
  constexpr std::size_t chunk = 1000;
  for (std::size_t from = 0; from < nos.size(); from += chunk) {
    std::string sql = "SELECT ticket_no FROM hl_archive_tickets WHERE ticket_no IN (";
    std::vector<pg_param> params;
    for (std::size_t i = from; i < std::min(nos.size(), from + chunk); ++i) {
      sql += (i > from ? ",$" : "$") + std::to_string(params.size() + 1);
      params.push_back({nos[i]});
    }
    auto rows = c->exec(sql + ")", params);
    for (int i = 0; i < rows.size(); ++i)
      out.insert(rows.text(i, 0));
  }
  return out;
}

} // namespace hotline::archive
