#include "adapters/monitor/histogram.hpp"

#include <cstdio>

namespace hotline::monitor {

namespace {

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

} // namespace

void histogram::write(std::ostream& out, const std::string& name, const std::string& labels) const {
  const std::string sep = labels.empty() ? "" : ",";
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    out << name << "_bucket{" << labels << sep << "le=\""
        << (i < bounds.size() ? number(bounds[i]) : "+Inf") << "\"} " << total << "\n";
  }
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out << name << "_sum" << braces << " " << number(double(sum_ns_.load()) / 1e9) << "\n"
      << name << "_count" << braces << " " << total << "\n";
}

histogram& redis_round_trips() {
  static histogram h;
  return h;
}

histogram& postgres_round_trips() {
  static histogram h;
  return h;
}

} // namespace hotline::monitor
