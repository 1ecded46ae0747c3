#pragma once
// The organisation directory: handling units (承办单位), their hierarchy and
// competences, and the category taxonomy. Pure data + look-ups, no I/O.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routing/geo.hpp"

namespace hotline::routing {

/// What kind of unit a unit is. The office is the coordination office
/// (12345热线 / 市政府总值班室); every other kind handles tickets.
enum class unit_kind {
  office,              // 12345 coordination office
  district_government, // 区县政府
  township,            // 乡镇/街道
  district_department, // 区县部门
  city_department,     // 市级部门
  enterprise,          // 企事业单位 with public functions (water, power, gas…)
};

/// The five kinds of demand (M-S-1).
enum class demand_kind { consultation, help, complaint, report, suggestion };

std::string_view to_string(unit_kind k);
std::optional<unit_kind> parse_unit_kind(std::string_view s);
std::string_view to_string(demand_kind k);
std::optional<demand_kind> parse_demand_kind(std::string_view s);
/// Chinese label of a unit kind (乡镇/街道, 区县部门…).
std::string_view label_zh(unit_kind k);
/// Chinese label of a demand kind (咨询/求助/投诉/举报/意见建议).
std::string_view label_zh(demand_kind k);

/// Issue 11: what a named place an address may mention is.
enum class place_kind {
  committee, // 居民委员会/村民委员会 (communities.csv)
  road,      // 道路, from a deployment's places.csv
  estate,    // 小区
  landmark,  // 地标
  grid,      // 网格 (grid cell of grid management)
};
std::string_view to_string(place_kind k);
std::optional<place_kind> parse_place_kind(std::string_view s);
/// Chinese label (社区/村, 道路, 小区, 地标, 网格).
std::string_view label_zh(place_kind k);

/// Issue 11: what the office wants done with an assignment the router is
/// not sure of (confidence low): dispatch it anyway, or coordinate.
enum class low_confidence_policy { dispatch, coordinate };
std::string_view to_string(low_confidence_policy p);
std::optional<low_confidence_policy> parse_low_confidence_policy(std::string_view s);

struct unit {
  std::string id;   // 500103 · 500103003 · 500103.urban-management · cq.housing
  std::string name; // Chinese official name
  unit_kind kind = unit_kind::office;
  std::string parent;     // administrative parent; "" for the office
  std::string supervisor; // one level up: supervises and approves extensions (M-DL-5)
  std::string district;   // 6-digit district code for district-level units
  std::string function;   // e.g. "urban-management" for departments
};

/// One entry of a category's list of competent units, in order of preference:
/// a unit kind in the demand's territory (township, district government,
/// district department with `function`), or one fixed unit (`unit_id`).
struct competence {
  unit_kind kind = unit_kind::township;
  std::string function; // for district_department: the template suffix
  std::string unit_id;  // for city_department / enterprise: a fixed unit
};

struct category {
  std::string code; // stable, ascii: "env.noise"
  std::string name; // Chinese name: 噪声扰民
  std::vector<demand_kind> kinds;
  std::vector<competence> competent;
  /// M-RT-2: set when duties overlap or nobody is competent (a gap): the
  /// router never assigns alone, the office designates. Says why.
  std::string coordination;
  /// Issue 11: a `low` confidence assignment dispatches, or waits for the
  /// office (categories.yaml `low_confidence`).
  low_confidence_policy low_confidence = low_confidence_policy::dispatch;
};

/// A place an address names, lying in exactly one township (issue 11):
/// a village or community committee (村民委员会/居民委员会, not a handling
/// unit), or a road, estate, landmark or grid cell a deployment adds. A
/// road through several townships is one place per township.
struct place {
  std::string code; // committees: 12 digits, starting with the township's code; else ""
  std::string name; // committees: the official name, "…社区居民委员会"; else as people say it
  std::string township; // 9-digit code
  std::string district; // 6-digit code
  place_kind kind = place_kind::committee;
};

/// A district's outline for point-in-polygon territory (属地).
struct district_shape {
  std::string code;
  multipolygon area;
};

/// The whole directory. Build it once (config loader), then share it
/// read-only; every look-up is const.
class directory {
 public:
  /// Adds a unit; returns false if the id is taken.
  bool add_unit(unit u);
  bool add_category(category c);
  void add_shape(district_shape s);
  void add_place(place p);

  const unit* find_unit(std::string_view id) const;
  const category* find_category(std::string_view code) const;
  const std::vector<unit>& units() const { return units_; }
  const std::vector<category>& categories() const { return categories_; }
  const std::vector<district_shape>& shapes() const { return shapes_; }
  const std::vector<place>& places() const { return places_; }
  /// Units whose parent is `parent_id`, in directory order.
  std::vector<const unit*> children(std::string_view parent_id) const;
  /// The district department of `district` with template suffix `function`.
  const unit* district_department(std::string_view district, std::string_view function) const;
  /// M-RT-3: whether `unit_id` may name `handler_id` as the concrete handler
  /// of its ticket: one of its own subordinate units (a district's streets
  /// and departments) or an enterprise with public functions. The naming
  /// unit stays accountable.
  bool may_name_handler(std::string_view unit_id, std::string_view handler_id) const;
  /// M-RT-3, per unit: `handler_id` is also within `unit_id`'s authority
  /// (an internal body, another department it directs…), from configuration.
  void allow_handler(std::string unit_id, std::string handler_id);

  /// The id of the coordination office.
  const std::string& office_id() const { return office_id_; }
  void set_office_id(std::string id) { office_id_ = std::move(id); }

 private:
  std::vector<unit> units_;
  std::map<std::string, std::size_t, std::less<>> unit_index_;
  std::vector<category> categories_;
  std::map<std::string, std::size_t, std::less<>> category_index_;
  std::vector<district_shape> shapes_;
  std::vector<place> places_;
  std::string office_id_ = "cq.office";
  std::map<std::string, std::vector<std::string>, std::less<>> extra_handlers_;
};

} // namespace hotline::routing
