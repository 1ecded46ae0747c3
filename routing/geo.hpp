#pragma once
// Plane geometry on lon/lat for territory look-ups. Pure.

#include <vector>

namespace hotline::routing {

struct point {
  double lon = 0;
  double lat = 0;
};
using ring = std::vector<point>;   // closed or open; first != last is fine
using polygon = std::vector<ring>; // outer ring first, then holes
using multipolygon = std::vector<polygon>;

/// True if `p` lies inside `mp` (even-odd rule; holes excluded).
bool contains(const multipolygon& mp, point p);

/// Distance in degrees from `p` to the nearest edge of `mp`; used to say how
/// sure a point-in-polygon answer is near a simplified border.
double distance_to_border(const multipolygon& mp, point p);

} // namespace hotline::routing
