#include "routing/disposal.hpp"

#include "routing/names.hpp"

namespace hotline::routing {

namespace {

constexpr name_table<disposal_kind, 5> kinds{{{disposal_kind::ticket, "ticket"},
                                              {disposal_kind::direct_answer, "direct_answer"},
                                              {disposal_kind::call_transfer, "call_transfer"},
                                              {disposal_kind::three_way_call, "three_way_call"},
                                              {disposal_kind::refusal, "refusal"}}};

constexpr name_table<disposal_kind, 5> kinds_zh{{{disposal_kind::ticket, "派发工单"},
                                                 {disposal_kind::direct_answer, "直接答复"},
                                                 {disposal_kind::call_transfer, "呼叫转接"},
                                                 {disposal_kind::three_way_call, "三方通话"},
                                                 {disposal_kind::refusal, "不予受理"}}};

} // namespace

std::string_view to_string(disposal_kind k) {
  return name_of(kinds, k);
}

std::optional<disposal_kind> parse_disposal_kind(std::string_view s) {
  return parse_of(kinds, s);
}

std::string_view label_zh(disposal_kind k) {
  return name_of(kinds_zh, k);
}

} // namespace hotline::routing
