#include <gtest/gtest.h>

#include "routing/geo.hpp"

using namespace hotline::routing;

namespace {
// A 2×2 square with a 1×1 hole in its middle.
multipolygon square_with_hole() {
  return {{{{0, 0}, {2, 0}, {2, 2}, {0, 2}, {0, 0}},
           {{0.5, 0.5}, {1.5, 0.5}, {1.5, 1.5}, {0.5, 1.5}, {0.5, 0.5}}}};
}
} // namespace

TEST(Geo, PointInsideTheOuterRingIsContained) {
  EXPECT_TRUE(contains(square_with_hole(), {0.25, 0.25}));
}

TEST(Geo, PointInAHoleOrOutsideIsNotContained) {
  EXPECT_FALSE(contains(square_with_hole(), {1.0, 1.0}));
  EXPECT_FALSE(contains(square_with_hole(), {3.0, 1.0}));
}

TEST(Geo, DistanceToBorderIsToTheNearestEdge) {
  EXPECT_NEAR(distance_to_border(square_with_hole(), {0.25, 1.0}), 0.25, 1e-9);
  EXPECT_NEAR(distance_to_border(square_with_hole(), {1.0, 0.1}), 0.1, 1e-9);
}
