#include "adapters/archive/tables.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>

#include "adapters/archive/chain.hpp"
#include "adapters/archive/demands.hpp"
#include "routing/civil_time.hpp"

namespace hotline::archive {

namespace {

constexpr const char* schema[]
    = {"CREATE TABLE IF NOT EXISTS hl_archive_tickets ("
       " ticket_no VARCHAR(40) PRIMARY KEY,"
       " closed_at BIGINT NOT NULL,"
       " closed_day CHAR(10) NOT NULL,"
       " events INTEGER NOT NULL,"
       " head_hash CHAR(64) NOT NULL,"
       " archived_at BIGINT NOT NULL)",
       "CREATE INDEX IF NOT EXISTS hl_archive_tickets_day ON hl_archive_tickets (closed_day)",
       "CREATE TABLE IF NOT EXISTS hl_archive_events ("
       " ticket_no VARCHAR(40) NOT NULL,"
       " version INTEGER NOT NULL,"
       " body BYTEA NOT NULL,"
       " hash CHAR(64) NOT NULL,"
       " PRIMARY KEY (ticket_no, version))",
       "CREATE TABLE IF NOT EXISTS hl_archive_days ("
       " day CHAR(10) PRIMARY KEY,"
       " tickets INTEGER NOT NULL,"
       " merkle_root VARCHAR(64) NOT NULL,"
       " ticket_list TEXT NOT NULL,"
       " updated_at BIGINT NOT NULL)"};

// Recomputes day `day`'s Merkle root over every ticket archived for it, in
// the caller's transaction, after locking the day's row (so concurrent
// batches of one day take turns and each sees the other's tickets). The
// day is extended only if its record still holds: the root follows from
// its list, and each listed ticket still has the last hash listed. A day
// whose rows were altered keeps its old record as evidence for `verify`.
void update_day(pg_connection& c, const std::string& day, long long now) {
  c.exec("INSERT INTO hl_archive_days (day, tickets, merkle_root, ticket_list, updated_at)"
         " VALUES ($1, 0, '', '', 0) ON CONFLICT (day) DO NOTHING",
         {{day}});
  auto old = c.exec("SELECT tickets, merkle_root, ticket_list FROM hl_archive_days"
                    " WHERE day = $1 FOR UPDATE",
                    {{day}});
  auto rows = c.exec("SELECT ticket_no, head_hash FROM hl_archive_tickets WHERE closed_day = $1",
                     {{day}});
  std::map<std::string, std::string> heads;
  for (int i = 0; i < rows.size(); ++i)
    heads[rows.text(i, 0)] = unhex(rows.text(i, 1));
  if (old.integer(0, 0) > 0) {
    const auto listed = parse_day_list(old.text(0, 2));
    bool intact = hex(merkle_root(listed)) == old.text(0, 1);
    for (const auto& [no, h] : listed) {
      auto it = heads.find(no);
      intact = intact && it != heads.end() && it->second == h;
    }
    if (!intact) {
      spdlog::error("archive: day {}: its archived tickets no longer match its record; left as "
                    "it is for `hotline verify`",
                    day);
      return;
    }
  }
  std::vector<std::pair<std::string, std::string>> all(heads.begin(), heads.end());
  c.exec("UPDATE hl_archive_days SET tickets = $2, merkle_root = $3, ticket_list = $4,"
         " updated_at = $5 WHERE day = $1",
         {{day},
          {std::to_string(all.size())},
          {hex(merkle_root(all))},
          {format_day_list(all)},
          {std::to_string(now)}});
}

} // namespace

std::string day_of(long long ms) {
  return routing::format_date(routing::shanghai_date(static_cast<routing::instant>(ms)));
}

void tables::ensure_schema() {
  auto c = pool_.acquire();
  for (const char* sql : schema)
    c->exec(sql);
  for (const auto& sql : facts::schema())
    c->exec(sql);
  for (const auto& sql : demands::schema())
    c->exec(sql);
}

void tables::store(const std::vector<closed_ticket>& batch, long long now) {
  if (batch.empty())
    return;
  auto c = pool_.acquire();
  c->exec("BEGIN");
  try {
    std::set<std::string> days;
    for (const auto& t : batch) {
      if (t.events.empty())
        continue;
      const auto hashes = chain_of(t.no, t.events);
      // One statement per ticket: every event with its hash.
      std::string sql = "INSERT INTO hl_archive_events (ticket_no, version, body, hash) VALUES ";
      std::vector<pg_param> params;
      for (std::size_t i = 0; i < t.events.size(); ++i) {
        const auto n = params.size();
        sql += (i ? "," : "") + std::string("($") + std::to_string(n + 1) + ",$"
               + std::to_string(n + 2) + ",$" + std::to_string(n + 3) + ",$" + std::to_string(n + 4)
               + ")";
        params.push_back({t.no});
        params.push_back({std::to_string(i + 1)});
        params.push_back(pg_param::bytes(t.events[i]));
        params.push_back({hex(hashes[i])});
      }
      sql += " ON CONFLICT (ticket_no, version) DO NOTHING";
      c->exec(sql, params);
      const auto day = day_of(t.closed_at);
      c->exec("INSERT INTO hl_archive_tickets (ticket_no, closed_at, closed_day, events, head_hash,"
              " archived_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (ticket_no) DO NOTHING",
              {{t.no},
               {std::to_string(t.closed_at)},
               {day},
               {std::to_string(t.events.size())},
               {hex(hashes.back())},
               {std::to_string(now)}});
      days.insert(day);
      // M-E-1 and M-D-1: the ticket's evaluation facts and its demand row
      // for the briefs, in the same transaction.
      if (derive_) {
        try {
          write_rows(*c, {derive_(t.no, t.events, t.closed_at)});
        } catch (const std::exception& e) {
          // An event that does not decode must not hold the archive up.
          spdlog::error("archive: no evaluation facts for ticket {}: {}", t.no, e.what());
        }
      }
    }
    // Days in one order on every node: two batches never wait for each
    // other's locks in a cycle.
    for (const auto& d : days)
      update_day(*c, d, now);
    c->exec("COMMIT");
  } catch (...) {
    try {
      c->exec("ROLLBACK");
    } catch (const pg_error&) {
      // The connection broke: the server rolls back by itself.
    }
    throw;
  }
}

std::vector<std::string> tables::events(const std::string& no) {
  auto c = pool_.acquire();
  auto rows
      = c->exec("SELECT body FROM hl_archive_events WHERE ticket_no = $1 ORDER BY version", {{no}});
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i)
    out.push_back(rows.bytes(i, 0));
  return out;
}

} // namespace hotline::archive
