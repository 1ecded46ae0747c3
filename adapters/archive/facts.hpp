#pragma once
// The evaluation's facts of archived tickets (issue 14, M-E-1;
// routing/evaluation.hpp, docs/EVALUATION.md). Plain SQL, no extensions:
//   hl_archive_facts (ticket_no, unit, role) → month CHAR(7) of the unit's
//                    receipt, one SMALLINT column per count figure (named
//                    as routing::evaluation::count); index on (month, unit).
//   hl_archive_meta  name → value: "facts_v1" once the tickets archived
//                    before the facts table existed got their facts (and
//                    their demand rows for the briefs, demands.hpp).
// Facts are written in the transaction that archives their ticket
// (tables::store), ON CONFLICT DO NOTHING, so they exist exactly when the
// ticket's events do, and a batch written again adds nothing.

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "adapters/archive/postgres.hpp"
#include "routing/evaluation.hpp"
#include "routing/volume.hpp"

namespace hotline::archive {

/// What the archive keeps of a ticket beside its events: the evaluation's
/// facts (one per unit and role) and the briefs' demand row.
struct ticket_rows {
  std::vector<routing::evaluation::fact> facts;
  std::optional<routing::volume::demand> demand;
};
/// A closed ticket's rows from its stored events (MessagePack bytes).
using fact_deriver = std::function<ticket_rows(
    const std::string& no, const std::vector<std::string>& events, long long closed_at)>;
/// The deriver of a policy, rules and directory (which must outlive it):
/// decodes the events and folds them (routing::evaluation::facts_of as of
/// the ticket's close, routing::volume::demand_of).
fact_deriver derive_with(routing::policy p, routing::evaluation::rules r,
                         const routing::directory& dir);
/// Writes `rows` in the caller's (open) transaction.
void write_rows(pg_connection& c, const std::vector<ticket_rows>& rows);

class facts {
 public:
  explicit facts(pg_pool& pool) : pool_(pool) {}

  /// The statements creating the tables and the index, if absent.
  static const std::vector<std::string>& schema();
  /// Inserts `rows` in the caller's (open) transaction; rows already there
  /// are left as they are.
  static void write(pg_connection& c, const std::vector<routing::evaluation::fact>& rows);

  /// Whether the tickets archived before the facts table got their facts.
  bool derived();
  /// Derives the facts of every archived ticket (idempotent: a crash
  /// halfway means doing it again), in transactions of `batch` tickets,
  /// then sets the marker. Returns how many tickets were read.
  std::size_t derive_earlier(const fact_deriver& derive, std::size_t batch = 500);

  /// The sums of each unit's facts of `p` (all units, or only `unit`).
  std::map<std::string, routing::evaluation::counts> sums(const routing::evaluation::period& p,
                                                          const std::string& unit = "");
  /// The tickets of `unit` in `p` with any of `which` above 0, sorted.
  std::vector<std::string> tickets(const routing::evaluation::period& p, const std::string& unit,
                                   const std::vector<routing::evaluation::count>& which);
  /// Which of `nos` are archived.
  std::set<std::string> archived(const std::vector<std::string>& nos);

 private:
  pg_pool& pool_;
};

} // namespace hotline::archive
