#pragma once
// The router: demand → handling unit by territory and matter (属地、属事),
// with the reasons and rule ids that made the choice (DESIGN rule 5). Pure.

#include <initializer_list>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "routing/directory.hpp"

namespace hotline::routing {

/// One step of a routing explanation: the rule that applied and the facts.
struct reason {
  std::string rule; // "M-RT-1"
  std::string text; // human-readable, Chinese with the facts used
};

struct location {
  std::string address;
  std::optional<point> coords;
};

struct demand_facts {
  demand_kind kind = demand_kind::consultation;
  std::string category;
  location where;
};

/// Issue 11: how sure the router is of a place or an assignment.
enum class confidence_level { high, medium, low };
std::string_view to_string(confidence_level l);
std::optional<confidence_level> parse_confidence_level(std::string_view s);

struct confidence {
  confidence_level level = confidence_level::high;
  std::string reason; // Chinese: the clue that sets the level
};

/// M-RT-1: a clear place and a concrete matter go to one unit, supervised by
/// the unit one level up.
struct assignment {
  std::string unit_id;
  std::string supervisor_id;
  std::vector<reason> reasons;
  confidence sure = {}; // issue 11
};

/// M-RT-2: territory or responsibility unclear; the office designates.
struct needs_coordination {
  std::vector<reason> reasons;
};

/// A demand the router cannot take at all (unknown category, a kind the
/// category does not cover): an input error naming the field.
struct routing_error {
  std::string field;
  std::string code;
  std::string message;
};

using route_result = std::variant<assignment, needs_coordination, routing_error>;

/// The name people use for a community or village committee: 领事巷社区 for
/// 领事巷社区居民委员会, 太白村 for 太白村村民委员会 and for 真武村民委员会 (the
/// village is 真武村), 化龙桥社区 for 化龙桥社区工作站.
std::string community_short_name(const std::string& official);

/// What the router found out about the place, kept for explanations.
struct territory {
  std::string district;         // 6-digit code or ""
  std::string township;         // 9-digit code or ""
  bool spans_districts = false; // the pin and the address name different districts (M-RT-2)
  /// The address names a community or village that lies in several
  /// townships and no other clue settles which (issue 11): the office
  /// decides rather than the router guessing.
  std::vector<std::string> township_candidates;
  /// The committee or place name that was a clue ("" for none), for the
  /// office's proposals (issue 11).
  std::string place;
  /// How sure each finding is (issue 11); meaningless where it is empty.
  confidence district_sure, township_sure;
  std::vector<reason> reasons;
};

class router {
 public:
  /// Indexes the directory's townships and districts; `dir` must outlive this.
  explicit router(const directory& dir);

  /// Where the demand is: coordinates (point in district outline), then the
  /// district and township names in the address text.
  territory locate(const location& where) const;

  /// The full decision for a demand.
  route_result route(const demand_facts& demand) const;

 private:
  struct name_entry {
    std::string name; // the full name, or the stem without 区/县/街道/镇/乡
    std::string unit_id;
    bool stem = false;
  };
  /// Names, and an index of them by their first three bytes (one CJK
  /// character), so finding which occur in an address looks at each of its
  /// characters once instead of searching it for every name.
  struct name_table {
    std::vector<name_entry> entries;
    std::unordered_map<std::uint32_t, std::vector<std::size_t>> by_prefix;
    std::vector<std::size_t> short_names; // under three bytes: searched directly
    void add(name_entry e);
    /// The entries whose name occurs in `text`, in the order they were added.
    std::vector<std::size_t> occurring(const std::string& text) const;
  };
  /// `text` with the full names of `tables` blanked (see router.cpp);
  /// places only where they lie in `district`, if it is not empty.
  std::string blanked(const std::string& text, std::initializer_list<const name_table*> tables,
                      const name_table* keep, const std::string& district = "") const;

  const directory& dir_;
  name_table district_names_;
  name_table township_names_;
  /// Places: committees by their short names ("领事巷社区", "红光村") and,
  /// from three characters on, their stems ("领事巷"); a deployment's
  /// roads, estates, landmarks and grid cells by their names; unit_id holds
  /// the index in directory::places().
  name_table place_names_;
};

/// Degrees from a simplified border under which a point-in-polygon answer is
/// called uncertain (about 1 km).
constexpr double border_uncertainty_degrees = 0.01;

} // namespace hotline::routing
