#pragma once
// A Prometheus histogram of durations in seconds (issue 14 item 4: the
// operators' /metrics), lock-free: one relaxed atomic add per bucket hit
// and two for the sum and count, so timing a request or a round trip adds
// no lock to its path.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace hotline::monitor {

class histogram {
 public:
  /// Upper bounds (seconds) of the buckets; +Inf is implied.
  static constexpr std::array<double, 14> bounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                 0.1,    0.25,  0.5,    1,     2.5,  5,     10};

  void observe(std::chrono::steady_clock::duration d) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
    const double s = double(ns) / 1e9;
    std::size_t i = 0;
    while (i < bounds.size() && s > bounds[i])
      ++i;
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<std::uint64_t>(ns < 0 ? 0 : ns), std::memory_order_relaxed);
  }

  /// The _bucket (cumulative), _sum and _count lines of `name` with
  /// `labels` ("" or `a="x",b="y"`).
  void write(std::ostream& out, const std::string& name, const std::string& labels) const;

 private:
  std::array<std::atomic<std::uint64_t>, bounds.size() + 1> counts_{};
  std::atomic<std::uint64_t> sum_ns_{0};
};

/// Every Redis round trip of this process (a command or a pipeline).
histogram& redis_round_trips();
/// Every PostgreSQL statement of this process (the archive).
histogram& postgres_round_trips();

} // namespace hotline::monitor
