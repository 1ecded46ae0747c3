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

} // namespace hotline::http
