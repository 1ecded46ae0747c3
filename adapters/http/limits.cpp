#include "adapters/http/limits.hpp"

#include <cmath>

namespace hotline::http {

std::optional<int> token_buckets::take(const std::string& key,
                                       std::chrono::steady_clock::time_point now) {
  std::lock_guard<std::mutex> lock(mtx_);
  if (buckets_.size() > 100000) {
    // Forget the full buckets: they are what a new bucket would be.
    for (auto i = buckets_.begin(); i != buckets_.end();) {
      const double secs = std::chrono::duration<double>(now - i->second.at).count();
      i = i->second.tokens + secs * rate_ >= burst_ ? buckets_.erase(i) : std::next(i);
    }
  }
  auto [it, fresh] = buckets_.try_emplace(key, bucket{burst_, now});
  auto& b = it->second;
  if (!fresh) {
    const double secs = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(burst_, b.tokens + secs * rate_);
    b.at = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  return std::max(1, static_cast<int>(std::ceil((1 - b.tokens) / rate_)));
}

std::optional<int> rated_buckets::take(const std::string& key, int per_minute,
                                       std::chrono::steady_clock::time_point now) {
  std::shared_ptr<token_buckets> b;
  {
    std::lock_guard<std::mutex> lock(mtx_);
    auto& slot = by_key_[key];
    if (!slot.second || slot.first != per_minute)
      slot = {per_minute, std::make_shared<token_buckets>(per_minute / 60.0, per_minute)};
    b = slot.second;
  }
  // Buckets are never removed: one per integrator, a handful.
  return b->take(key, now);
}

} // namespace hotline::http
