#pragma once
// The audit log (M-D-3: 谁管理、谁使用、谁负责): every reveal of a caller's
// contact and every change of an account, append-only, in the Redis Stream
// `hl:audit` (never trimmed by the service). Entries hold who, which unit,
// when, what, the ticket, the purpose and the client address; never the
// caller's data itself.

#include <optional>
#include <string>
#include <vector>

#include "adapters/redis/connection.hpp"
#include "routing/civil_time.hpp"

namespace hotline::redis {

struct audit_entry {
  std::string id; // the stream id, set when read
  routing::instant at = 0;
  std::string action; // "caller_contact", "user_add", "user_disable", …
  std::string user;   // who did it
  std::string display_name;
  std::string unit_id;
  std::string ticket_no; // "" if none
  std::string purpose;   // for caller_contact: callback, clarification
  std::string subject;   // for account changes: the account concerned
  std::string client;    // the client address of the request
};

class audit_log {
 public:
  audit_log(pool& p, std::string prefix = "hl") : pool_(p), key_(prefix + ":audit") {}
  /// Appends `e` (its time is Redis's own clock); returns the entry's id.
  /// Throws redis_error: then nothing was recorded and nothing may be shown.
  std::string append(const audit_entry& e);
  /// Entries from `from` to `to` (ms, inclusive), oldest first, at most
  /// `limit`, starting after the id `after` when given.
  std::vector<audit_entry> read(routing::instant from, routing::instant to, std::size_t limit,
                                const std::string& after = "");

 private:
  pool& pool_;
  std::string key_;
};

} // namespace hotline::redis
