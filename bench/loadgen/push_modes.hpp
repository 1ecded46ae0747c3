#pragma once
// The load generator's push and webhook modes (issue 10): the time from an
// intake's 201 to its `dispatched` on a unit's event stream, and signed
// webhook deliveries despite a receiver that fails a share of them.

#include <string>
#include <vector>

#include "bench/loadgen/core.hpp"

namespace bench {

int push_mode(const options& o, driver& d, const std::vector<std::string>& units);
int webhook_mode(const options& o, driver& d, const std::vector<std::string>& units);

} // namespace bench
