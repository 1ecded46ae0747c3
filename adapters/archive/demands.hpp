#pragma once
// The briefs' demand rows of archived tickets (issue 14 item 5, M-D-1;
// routing/volume.hpp). Plain SQL, no extensions:
//   hl_archive_demands ticket_no → received (YYYY-MM-DD, Shanghai), kind,
//                      category, channel, district, township, dispatched,
//                      at_once, closed (0/1), callback_day (YYYY-MM-DD or
//                      ''), satisfied (0/1); indexes on received and
//                      callback_day. No caller data: briefs are published.
// Rows are written in the transaction that archives their ticket, ON
// CONFLICT DO NOTHING, exactly like the evaluation's facts (facts.hpp).

#include <optional>
#include <string>
#include <vector>

#include "adapters/archive/postgres.hpp"
#include "routing/volume.hpp"

namespace hotline::archive {

class demands {
 public:
  explicit demands(pg_pool& pool) : pool_(pool) {}

  static const std::vector<std::string>& schema();
  /// Inserts `rows` in the caller's (open) transaction.
  static void write(pg_connection& c, const std::vector<routing::volume::demand>& rows);

  /// Adds to `t` the archived demands received within [from, to] and the
  /// archived callbacks made within [from, to] (routing::volume::add, in SQL).
  void tally(routing::volume::tally& t, routing::civil_date from, routing::civil_date to);

 private:
  pg_pool& pool_;
};

} // namespace hotline::archive
