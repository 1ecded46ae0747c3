#pragma once
// `hotline verify` (issue 14, M-SV-3): recomputes every archived ticket's
// hash chain and every day's Merkle root from the rows, and names each
// ticket or day that was altered, removed or inserted.

#include <optional>
#include <string>
#include <vector>

#include "adapters/archive/postgres.hpp"

namespace hotline::archive {

struct finding {
  std::string kind; // "ticket" or "day"
  std::string id;   // ticket number or YYYY-MM-DD
  std::string problem;
};

struct verify_report {
  std::size_t tickets = 0, events = 0, days = 0;
  std::vector<finding> findings;
};

/// Checks the tickets closed on days `from`..`to` (YYYY-MM-DD, inclusive;
/// nullopt: unbounded) and those days' roots; event rows of no ticket are
/// reported whatever the range.
verify_report verify(pg_connection& c, const std::optional<std::string>& from,
                     const std::optional<std::string>& to);

} // namespace hotline::archive
