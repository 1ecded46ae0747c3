#include "routing/directory.hpp"

#include <algorithm>

#include "routing/names.hpp"

namespace hotline::routing {

namespace {

constexpr name_table<unit_kind, 6> unit_kinds{{
    {unit_kind::office, "office"},
    {unit_kind::district_government, "district_government"},
    {unit_kind::township, "township"},
    {unit_kind::district_department, "district_department"},
    {unit_kind::city_department, "city_department"},
    {unit_kind::enterprise, "enterprise"},
}};

constexpr name_table<unit_kind, 6> unit_kinds_zh{{
    {unit_kind::office, "12345热线"},
    {unit_kind::district_government, "区县政府"},
    {unit_kind::township, "乡镇/街道"},
    {unit_kind::district_department, "区县部门"},
    {unit_kind::city_department, "市级部门"},
    {unit_kind::enterprise, "企事业单位"},
}};

constexpr name_table<demand_kind, 5> demand_kinds{{
    {demand_kind::consultation, "consultation"},
    {demand_kind::help, "help"},
    {demand_kind::complaint, "complaint"},
    {demand_kind::report, "report"},
    {demand_kind::suggestion, "suggestion"},
}};

constexpr name_table<demand_kind, 5> demand_kinds_zh{{
    {demand_kind::consultation, "咨询"},
    {demand_kind::help, "求助"},
    {demand_kind::complaint, "投诉"},
    {demand_kind::report, "举报"},
    {demand_kind::suggestion, "意见建议"},
}};

constexpr name_table<place_kind, 5> place_kinds{{
    {place_kind::committee, "committee"},
    {place_kind::road, "road"},
    {place_kind::estate, "estate"},
    {place_kind::landmark, "landmark"},
    {place_kind::grid, "grid"},
}};

constexpr name_table<place_kind, 5> place_kinds_zh{{
    {place_kind::committee, "社区/村"},
    {place_kind::road, "道路"},
    {place_kind::estate, "小区"},
    {place_kind::landmark, "地标"},
    {place_kind::grid, "网格"},
}};

constexpr name_table<low_confidence_policy, 2> low_confidence_policies{{
    {low_confidence_policy::dispatch, "dispatch"},
    {low_confidence_policy::coordinate, "coordinate"},
}};

} // namespace

std::string_view to_string(place_kind k) {
  return name_of(place_kinds, k);
}

std::optional<place_kind> parse_place_kind(std::string_view s) {
  return parse_of(place_kinds, s);
}

std::string_view label_zh(place_kind k) {
  return name_of(place_kinds_zh, k);
}

std::string_view to_string(low_confidence_policy p) {
  return name_of(low_confidence_policies, p);
}

std::optional<low_confidence_policy> parse_low_confidence_policy(std::string_view s) {
  return parse_of(low_confidence_policies, s);
}

std::string_view to_string(unit_kind k) {
  return name_of(unit_kinds, k);
}

std::string_view label_zh(unit_kind k) {
  return name_of(unit_kinds_zh, k);
}

std::optional<unit_kind> parse_unit_kind(std::string_view s) {
  return parse_of(unit_kinds, s);
}

std::string_view to_string(demand_kind k) {
  return name_of(demand_kinds, k);
}

std::string_view label_zh(demand_kind k) {
  return name_of(demand_kinds_zh, k);
}

std::optional<demand_kind> parse_demand_kind(std::string_view s) {
  return parse_of(demand_kinds, s);
}

bool directory::add_unit(unit u) {
  if (unit_index_.count(u.id))
    return false;
  unit_index_.emplace(u.id, units_.size());
  units_.push_back(std::move(u));
  return true;
}

bool directory::add_category(category c) {
  if (category_index_.count(c.code))
    return false;
  category_index_.emplace(c.code, categories_.size());
  categories_.push_back(std::move(c));
  return true;
}

void directory::add_place(place p) {
  places_.push_back(std::move(p));
}

void directory::add_shape(district_shape s) {
  shapes_.push_back(std::move(s));
}

const unit* directory::find_unit(std::string_view id) const {
  auto i = unit_index_.find(id);
  return i == unit_index_.end() ? nullptr : &units_[i->second];
}

const category* directory::find_category(std::string_view code) const {
  auto i = category_index_.find(code);
  return i == category_index_.end() ? nullptr : &categories_[i->second];
}

std::vector<const unit*> directory::children(std::string_view parent_id) const {
  std::vector<const unit*> out;
  for (const auto& u : units_)
    if (u.parent == parent_id)
      out.push_back(&u);
  return out;
}

bool directory::may_name_handler(std::string_view unit_id, std::string_view handler_id) const {
  const unit* u = find_unit(unit_id);
  const unit* h = find_unit(handler_id);
  if (!u || !h || u == h || h->kind == unit_kind::office)
    return false;
  if (h->parent == u->id || h->kind == unit_kind::enterprise)
    return true;
  auto extra = extra_handlers_.find(unit_id);
  return extra != extra_handlers_.end()
         && std::find(extra->second.begin(), extra->second.end(), handler_id)
                != extra->second.end();
}

void directory::allow_handler(std::string unit_id, std::string handler_id) {
  extra_handlers_[std::move(unit_id)].push_back(std::move(handler_id));
}

const unit* directory::district_department(std::string_view district,
                                           std::string_view function) const {
  std::string id{district};
  id += '.';
  id += function;
  return find_unit(id);
}

} // namespace hotline::routing
