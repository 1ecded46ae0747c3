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
};

/// A village or community committee (村民委员会/居民委员会): not a handling
/// unit, but a place an address names, lying in exactly one township
/// (issue 11: territory from community and village names).
struct community {
  std::string code;     // 12 digits, starting with its township's code
  std::string name;     // the official name, "…社区居民委员会" or "…村民委员会"
  std::string township; // 9-digit code
  std::string district; // 6-digit code
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
  void add_community(community c);

  const unit* find_unit(std::string_view id) const;
  const category* find_category(std::string_view code) const;
  const std::vector<unit>& units() const { return units_; }
  const std::vector<category>& categories() const { return categories_; }
  const std::vector<district_shape>& shapes() const { return shapes_; }
  const std::vector<community>& communities() const { return communities_; }
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
  std::vector<community> communities_;
  std::string office_id_ = "cq.office";
  std::map<std::string, std::vector<std::string>, std::less<>> extra_handlers_;
};

} // namespace hotline::routing
