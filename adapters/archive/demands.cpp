#include "adapters/archive/demands.hpp"

namespace hotline::archive {

namespace v = routing::volume;

const std::vector<std::string>& demands::schema() {
  static const std::vector<std::string> s{
      "CREATE TABLE IF NOT EXISTS hl_archive_demands ("
      " ticket_no VARCHAR(40) PRIMARY KEY,"
      " received CHAR(10) NOT NULL,"
      " kind VARCHAR(20) NOT NULL,"
      " category VARCHAR(80) NOT NULL,"
      " channel VARCHAR(20) NOT NULL,"
      " district VARCHAR(12) NOT NULL,"
      " township VARCHAR(40) NOT NULL,"
      " dispatched SMALLINT NOT NULL,"
      " at_once SMALLINT NOT NULL,"
      " closed SMALLINT NOT NULL,"
      " callback_day VARCHAR(10) NOT NULL,"
      " satisfied SMALLINT NOT NULL)",
      "CREATE INDEX IF NOT EXISTS hl_archive_demands_received ON hl_archive_demands (received)",
      "CREATE INDEX IF NOT EXISTS hl_archive_demands_callback ON hl_archive_demands "
      "(callback_day)"};
  return s;
}

void demands::write(pg_connection& c, const std::vector<v::demand>& rows) {
  if (rows.empty())
    return;
  std::string sql = "INSERT INTO hl_archive_demands (ticket_no, received, kind, category, channel,"
                    " district, township, dispatched, at_once, closed, callback_day, satisfied)"
                    " VALUES ";
  std::vector<pg_param> params;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& d = rows[i];
    sql += i ? ",(" : "(";
    for (int k = 0; k < 12; ++k)
      sql += (k ? ",$" : "$") + std::to_string(params.size() + static_cast<std::size_t>(k) + 1);
    sql += ")";
    params.push_back({d.ticket_no});
    params.push_back({routing::format_date(d.received)});
    params.push_back({std::string(routing::to_string(d.kind))});
    params.push_back({d.category});
    params.push_back({std::string(routing::to_string(d.via))});
    params.push_back({d.district});
    params.push_back({d.township});
    params.push_back({d.dispatched ? "1" : "0"});
    params.push_back({d.at_once ? "1" : "0"});
    params.push_back({d.closed ? "1" : "0"});
    params.push_back({d.called_back ? routing::format_date(*d.called_back) : ""});
    params.push_back({d.satisfied ? "1" : "0"});
  }
  sql += " ON CONFLICT (ticket_no) DO NOTHING";
  c.exec(sql, params);
}

void demands::tally(v::tally& t, routing::civil_date from, routing::civil_date to) {
  auto c = pool_.acquire();
  const std::vector<pg_param> span{{routing::format_date(from)}, {routing::format_date(to)}};
  const std::string in_span = " FROM hl_archive_demands WHERE received BETWEEN $1 AND $2";
  auto totals = c->exec("SELECT COUNT(*), COALESCE(SUM(dispatched), 0), COALESCE(SUM(at_once), 0),"
                        " COALESCE(SUM(closed), 0)"
                            + in_span,
                        span);
  t.demands += totals.integer(0, 0);
  t.dispatched += totals.integer(0, 1);
  t.at_once += totals.integer(0, 2);
  t.closed += totals.integer(0, 3);
  auto by = [&](const char* column, std::map<std::string, long long>& into) {
    auto rows = c->exec(
        std::string("SELECT ") + column + ", COUNT(*)" + in_span + " GROUP BY " + column, span);
    for (int i = 0; i < rows.size(); ++i)
      into[rows.text(i, 0)] += rows.integer(i, 1);
  };
  by("kind", t.by_kind);
  by("category", t.by_category);
  by("district", t.by_district);
  by("channel", t.by_channel);
  auto hot = c->exec("SELECT township, category, COUNT(*)" + in_span
                         + " AND township <> '' GROUP BY township, category",
                     span);
  for (int i = 0; i < hot.size(); ++i)
    t.hotspots[{hot.text(i, 0), hot.text(i, 1)}] += hot.integer(i, 2);
  auto calls = c->exec("SELECT callback_day, COUNT(*), COALESCE(SUM(satisfied), 0)"
                       " FROM hl_archive_demands WHERE callback_day BETWEEN $1 AND $2"
                       " GROUP BY callback_day",
                       span);
  for (int i = 0; i < calls.size(); ++i) {
    auto& day = t.callbacks[*routing::parse_date(calls.text(i, 0))];
    day.callbacks += calls.integer(i, 1);
    day.satisfied += calls.integer(i, 2);
  }
}

} // namespace hotline::archive
