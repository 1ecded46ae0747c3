#pragma once

#include "actors/interfaces.hpp"
#include "actors/services.hpp"

namespace hotline::actors {

struct unit_state {
  std::string id;
  static inline const char* name = "unit";
};

/// A handling unit (承办单位). Answers its inbox and passes its own acts on
/// its tickets to the office, after checking they are its own.
unit_actor::behavior_type unit(unit_actor::stateful_pointer<unit_state> self, std::string id,
                               office_actor office, const services* svc);

} // namespace hotline::actors
