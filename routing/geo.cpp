#include "routing/geo.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hotline::routing {

namespace {

// Even-odd crossing test of one ring (the classic W. R. Franklin test).
bool in_ring(const ring& r, point p) {
  bool inside = false;
  const std::size_t n = r.size();
  for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
    const point& a = r[i];
    const point& b = r[j];
    if ((a.lat > p.lat) != (b.lat > p.lat)
        && p.lon < (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon)
      inside = !inside;
  }
  return inside;
}

double segment_distance(point p, point a, point b) {
  const double dx = b.lon - a.lon, dy = b.lat - a.lat;
  const double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((p.lon - a.lon) * dx + (p.lat - a.lat) * dy) / len2 : 0;
  t = std::clamp(t, 0.0, 1.0);
  const double x = a.lon + t * dx - p.lon, y = a.lat + t * dy - p.lat;
  return std::sqrt(x * x + y * y);
}

} // namespace

bool contains(const multipolygon& mp, point p) {
  for (const auto& poly : mp) {
    if (poly.empty() || !in_ring(poly.front(), p))
      continue;
    bool in_hole = false;
    for (std::size_t h = 1; h < poly.size() && !in_hole; ++h)
      in_hole = in_ring(poly[h], p);
    if (!in_hole)
      return true;
  }
  return false;
}

double distance_to_border(const multipolygon& mp, point p) {
  double best = std::numeric_limits<double>::infinity();
  for (const auto& poly : mp)
    for (const auto& r : poly)
      for (std::size_t i = 0, j = r.size() - 1; i < r.size(); j = i++)
        best = std::min(best, segment_distance(p, r[j], r[i]));
  return best;
}

} // namespace hotline::routing
