#include "routing/volume.hpp"

namespace hotline::routing::volume {

namespace {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

bool within(civil_date d, civil_date from, civil_date to) {
  return !(d < from) && !(to < d);
}

} // namespace

std::optional<demand> demand_of(const std::string& ticket_no, const std::vector<event>& events,
                                const directory& dir) {
  std::optional<demand> d;
  for (const auto& e : events) {
    std::visit(overloaded{
                   [&](const registered& r) {
                     d = demand{};
                     d->ticket_no = ticket_no;
                     d->received = shanghai_date(r.at);
                     d->kind = r.kind;
                     d->category = r.category;
                     d->via = r.via;
                   },
                   [&](const dispatched& x) {
                     if (!d || d->dispatched)
                       return; // the first unit is where the demand was placed
                     d->dispatched = true;
                     if (const auto* u = dir.find_unit(x.unit_id)) {
                       d->district = u->district;
                       if (u->kind == unit_kind::township)
                         d->township = u->id;
                     }
                   },
                   [&](const disposed&) {
                     if (d)
                       d->at_once = true;
                   },
                   [&](const called_back& c) {
                     if (!d)
                       return;
                     d->called_back = shanghai_date(c.at);
                     d->satisfied = c.result != satisfaction::not_satisfied;
                   },
                   [&](const closed&) {
                     if (d)
                       d->closed = true;
                   },
                   [&](const reopened&) {
                     if (d)
                       d->closed = false;
                   },
                   [](const auto&) {},
               },
               e);
  }
  return d;
}

void add(tally& t, const demand& d, civil_date from, civil_date to) {
  if (within(d.received, from, to)) {
    ++t.demands;
    t.dispatched += d.dispatched;
    t.at_once += d.at_once;
    t.closed += d.closed;
    ++t.by_kind[std::string(to_string(d.kind))];
    ++t.by_category[d.category];
    ++t.by_district[d.district];
    ++t.by_channel[std::string(to_string(d.via))];
    if (!d.township.empty())
      ++t.hotspots[{d.township, d.category}];
  }
  if (d.called_back && within(*d.called_back, from, to)) {
    auto& c = t.callbacks[*d.called_back];
    ++c.callbacks;
    c.satisfied += d.satisfied;
  }
}

std::optional<span> parse_span(std::string_view s) {
  if (auto day = parse_date(s))
    return span{std::string(s), *day, *day, true};
  if (s.size() != 7 || s[4] != '-')
    return std::nullopt;
  auto first = parse_date(std::string(s) + "-01");
  if (!first)
    return std::nullopt;
  civil_date next = first->month == 12 ? civil_date{first->year + 1, 1, 1}
                                       : civil_date{first->year, first->month + 1, 1};
  return span{std::string(s), *first, add_days(next, -1), false};
}

} // namespace hotline::routing::volume
