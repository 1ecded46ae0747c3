#pragma once
// The archive's tables in PostgreSQL (issue 14; M-SV-3). Plain tables and
// indexes, no extensions:
//   hl_archive_events  (ticket_no, version) → body BYTEA (the event exactly
//                      as Redis held it: MessagePack, caller data still
//                      sealed), hash CHAR(64) (chain.hpp).
//   hl_archive_tickets ticket_no → closed_at (ms), closed_day (YYYY-MM-DD,
//                      Shanghai), events (count), head_hash (the last
//                      event's hash), archived_at (ms).
//   hl_archive_days    day → tickets, merkle_root, ticket_list ("no:hash,…"
//                      with each ticket's last hash, chain.hpp): kept apart
//                      from the rows it covers.
//   hl_archive_facts, hl_archive_meta: the evaluation's facts of each
//                      ticket, written with it (facts.hpp).
//   hl_archive_demands: each ticket's demand row for the briefs, written
//                      with it (demands.hpp).
// A batch is one transaction; every insert is ON CONFLICT DO NOTHING, so a
// batch written again after a crash changes nothing.

#include <string>
#include <vector>

#include "adapters/archive/facts.hpp"
#include "adapters/archive/postgres.hpp"

namespace hotline::archive {

/// A closed ticket on its way out of Redis.
struct closed_ticket {
  std::string no;
  long long closed_at = 0;
  std::vector<std::string> events; // stored bytes, oldest first
};

class tables {
 public:
  explicit tables(pg_pool& pool) : pool_(pool) {}

  /// Creates the tables and indexes if they do not exist.
  void ensure_schema();
  /// Issue 14, M-E-1: each ticket's evaluation facts are written with it,
  /// derived by `d` (set once, before the first store).
  void derive_facts(fact_deriver d) { derive_ = std::move(d); }
  const fact_deriver& deriver() const { return derive_; }
  pg_pool& pool() { return pool_; }
  /// Writes `batch` in one transaction, with each ticket's hash chain, and
  /// the Merkle root of every day it touches. Tickets already archived are
  /// left as they are. `now` is stored as archived_at.
  void store(const std::vector<closed_ticket>& batch, long long now);
  /// The stored events of ticket `no`, oldest first; empty if none.
  std::vector<std::string> events(const std::string& no);

 private:
  pg_pool& pool_;
  fact_deriver derive_;
};

/// The Shanghai civil date (YYYY-MM-DD) of instant `ms`.
std::string day_of(long long ms);

} // namespace hotline::archive
