#pragma once
// Limits that keep the service for everyone (issue 9): per-client request
// rates for anonymous callers, a share of the in-flight capacity kept for
// staff, and the numbers of the extraction-code guard. Rates are per node
// (a cluster of N nodes admits N times the rate from one client); the
// extraction-code counters live in Redis and hold across nodes.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace hotline::http {

struct limit_options {
  /// Client requests served at once; more are shed with 503.
  std::size_t max_inflight = 24;
  /// Of those, how many anonymous callers may never take (0: a quarter).
  std::size_t staff_reserved = 0;
  /// Anonymous requests per second per client address, and the burst.
  double anonymous_rate = 20;
  double anonymous_burst = 40;
  /// Anonymous intakes per minute per client address (and the burst).
  double intakes_per_minute = 10;
  /// M-R-2 extraction code guard: wrong codes per ticket and per client
  /// address within the window; past either, 429 even for the right code.
  int code_failures_per_ticket = 5;
  int code_failures_per_client = 20;
  std::chrono::milliseconds code_window = std::chrono::minutes(15);
  /// A failed code check is answered no sooner than this after it began,
  /// so a wrong code and an unknown ticket take the same time.
  std::chrono::milliseconds code_failure_floor{250};
  /// Origins allowed to call the API from a browser (CORS); none by default.
  std::vector<std::string> cors_origins;

  /// Never all of it: anonymous callers keep at least one slot.
  std::size_t reserved() const {
    if (max_inflight < 2)
      return 0;
    if (staff_reserved)
      return std::min(staff_reserved, max_inflight - 1);
    return std::max<std::size_t>(1, max_inflight / 4);
  }
};

/// Token buckets by key (a client address). Thread-safe.
class token_buckets {
 public:
  token_buckets(double per_second, double burst) : rate_(per_second), burst_(burst) {}
  /// Takes a token for `key`: nullopt if allowed, else the seconds to wait.
  std::optional<int> take(const std::string& key, std::chrono::steady_clock::time_point now);

 private:
  struct bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  double rate_, burst_;
  std::mutex mtx_;
  std::unordered_map<std::string, bucket> buckets_;
};

/// Token buckets by key whose rate the caller gives with each take (issue
/// 12: an integrator's requests per minute, stored with it). Thread-safe.
class rated_buckets {
 public:
  /// As token_buckets::take, for `key` at `per_minute` (burst: a minute's
  /// worth). A changed rate starts the key's bucket afresh.
  std::optional<int> take(const std::string& key, int per_minute,
                          std::chrono::steady_clock::time_point now);

 private:
  std::mutex mtx_;
  std::unordered_map<std::string, std::pair<int, std::shared_ptr<token_buckets>>> by_key_;
};

struct api_limits {
  explicit api_limits(limit_options o)
      : opts(std::move(o)), anonymous(opts.anonymous_rate, opts.anonymous_burst),
        intakes(opts.intakes_per_minute / 60.0, opts.intakes_per_minute) {}
  limit_options opts;
  token_buckets anonymous;
  token_buckets intakes;
  /// Per integrator key (Open311), at each integrator's own rate.
  rated_buckets integrators;
};

} // namespace hotline::http
