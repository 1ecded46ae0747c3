#pragma once
// The real Chongqing configuration, loaded once, for the pure tests that
// route on it (router_test, places_test).

#include <string>

#include "adapters/config/loader.hpp"

namespace hotline::test {

inline const config::hotline_config& cq() {
  static const auto cfg = config::load(std::string(HOTLINE_SOURCE_DIR) + "/config/chongqing");
  return cfg;
}

} // namespace hotline::test
