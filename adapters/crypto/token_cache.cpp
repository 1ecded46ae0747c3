#include "adapters/crypto/token_cache.hpp"

#include <algorithm>

namespace hotline::crypto {

token_cache::token_cache(std::string secret, std::string office_id, std::size_t max_entries)
    : secret_(std::move(secret)), office_id_(std::move(office_id)),
      max_entries_(std::max<std::size_t>(max_entries, 1)) {}

std::optional<routing::principal> token_cache::verify(const std::string& token, std::int64_t now) {
  {
    std::lock_guard<std::mutex> lock(mtx_);
    const auto it = entries_.find(token);
    if (it != entries_.end()) {
      if (now < it->second.expires_at)
        return it->second.who;
      entries_.erase(it); // expired: refused below, as without the cache
    }
    ++checked_;
  }
  // The HMAC outside the lock: other requests need not wait for it.
  auto v = check_automation_token(secret_, token, now, office_id_);
  if (!v)
    return std::nullopt;
  std::lock_guard<std::mutex> lock(mtx_);
  if (entries_.size() >= max_entries_) {
    for (auto it = entries_.begin(); it != entries_.end();)
      it = now >= it->second.expires_at ? entries_.erase(it) : std::next(it);
    if (entries_.size() >= max_entries_)
      entries_.clear();
  }
  entries_.emplace(token, *v);
  return std::move(v->who);
}

std::uint64_t token_cache::signatures_checked() const {
  std::lock_guard<std::mutex> lock(mtx_);
  return checked_;
}

std::size_t token_cache::size() const {
  std::lock_guard<std::mutex> lock(mtx_);
  return entries_.size();
}

} // namespace hotline::crypto
