#pragma once
// Integrators as principals (issue 12, M-D-2, M-P-2): the outside systems
// (渝快办, 互联网+督查, a city app speaking Open311) that file demands and
// read their progress with an API key. Each has scopes, a rate limit per
// key, a channel name for its intakes and a field profile: which fields of
// a ticket it may receive. Everything about them lives here, stored in
// Redis; `hotline integrator add|list|disable` manages them.
//
// Redis layout (`P` is the prefix, "hl" in production):
//
//   P:integrators                 set of every integrator's name
//   P:integrator:{name}           hash: name, display (UTF-8), scopes and
//                                 fields (names joined by ','), rate
//                                 (requests per minute per key), key (the
//                                 SHA-256 hex of its API key), disabled
//                                 ("1"/"0"), created, updated (ms)
//   P:integrator-key:{sha256}     the name of the integrator holding the key
//   P:o311:requests               sorted set: ticket numbers filed through
//                                 Open311, scored by their intake time (ms),
//                                 the index GET requests.xml reads
//
// Like sessions (auth/keys.hpp), Redis holds only the SHA-256 of an API key:
// the key itself is shown once by `add` and stored nowhere. A key is 32
// random bytes, so an unsalted hash of it cannot be searched backwards.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/redis/connection.hpp"

namespace hotline::auth {

/// What an integrator's key allows.
enum class integrator_scope : std::uint8_t {
  intake,  // file demands (POST requests)
  read,    // read its demands' progress (GET requests)
  updates, // read and post updates (servicerequestupdates)
};
std::string_view to_string(integrator_scope s);
std::optional<integrator_scope> parse_integrator_scope(std::string_view s);

/// The fields of a ticket an integrator may receive, by name. Status,
/// service and dates are always sent; these are the rest. `caller_contact`
/// is never sent through Open311 (not in the spec's answers at all); it is
/// reserved for pushes and must be audited there.
const std::vector<std::string_view>& known_integrator_fields();
/// The profile of an integrator added without --field.
const std::vector<std::string>& default_integrator_fields();

struct integrator {
  std::string name;    // [a-z0-9-]{2,32}: part of request ids and channel names
  std::string display; // shown to staff, UTF-8
  std::vector<integrator_scope> scopes;
  std::vector<std::string> fields;
  int rate_per_minute = 120;
  bool disabled = false;
  std::int64_t created_at = 0;

  bool may(integrator_scope s) const;
  bool receives(std::string_view field) const;
  /// The channel its intakes carry ("integrator:yukuaiban"), M-P-2.
  std::string channel() const { return "integrator:" + name; }
};

/// Why `name` cannot name an integrator, or nullopt: 2-32 characters of
/// a-z 0-9 and '-', starting with a letter.
std::optional<std::string> integrator_name_problem(std::string_view name);

/// A refusal of add/disable: bad input (`field` says which) or a state.
struct integrator_refused : std::runtime_error {
  integrator_refused(std::string f, const std::string& message)
      : std::runtime_error(message), field(std::move(f)) {}
  std::string field;
};

class integrators {
 public:
  explicit integrators(redis::pool& pool, std::string prefix = "hl");

  /// Adds `who` and returns its new API key ("ik1." + 64 hex digits), the
  /// only time it is seen. Throws integrator_refused for a bad name, scope
  /// list, field or rate, or a name taken; redis::redis_error if Redis fails.
  std::string add(integrator who, std::int64_t now);
  /// The integrator holding `api_key`, if the key is known and the
  /// integrator not disabled; nullopt otherwise (one answer for both).
  std::optional<integrator> by_key(std::string_view api_key);
  std::optional<integrator> get(std::string_view name);
  /// Every integrator, by name.
  std::vector<integrator> list();
  /// Refuses its key from now on. Throws integrator_refused if unknown.
  void disable(std::string_view name, std::int64_t now);

  /// Records ticket `no`, filed through Open311 at `at`, in the index of
  /// Open311 requests (idempotent).
  void record_request(const std::string& no, std::int64_t at);
  /// Ticket numbers filed through Open311 in [from, to], oldest first,
  /// skipping `offset`, at most `limit`.
  std::vector<std::string> requests_between(std::int64_t from, std::int64_t to, std::size_t offset,
                                            std::size_t limit);
  /// True if ticket `no` was filed through Open311.
  bool is_request(const std::string& no);

 private:
  redis::pool& pool_;
  std::string prefix_;
};

} // namespace hotline::auth
