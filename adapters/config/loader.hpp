#pragma once
// Loads a city's configuration folder (config/chongqing) into the routing
// directory and the working-day calendar, validating everything on the way.
//
// Files read, relative to the folder:
//   hotline.yaml                  city, office, SLA defaults (M-DL-1, M-DL-2)
//   districts.csv                 districts/counties: 6-digit code, name
//   townships.csv                 townships/streets: 9-digit code, name, areaCode
//   communities.csv               optional: village and community committees (issue 11)
//   places.csv                    optional: the deployment's roads, estates, landmarks
//                                 and grid cells → township (docs/ROUTING.md)
//   departments.yaml              city departments, enterprises, district templates
//   categories.yaml               the category taxonomy and competences (M-RT-1)
//   district-boundaries.geojson   one outline per district (属地)
//   calendar/cn-<year>.yaml       one holiday arrangement per year (M-DL-6)
//   knowledge.yaml                optional: starter knowledge-base articles (issue 13)
//   evaluation.yaml               optional: the units' evaluation, weights of the score
//                                 and the response limit (issue 14, M-E-1)
//   warnings.yaml                 optional: early-warning thresholds (issue 14, M-D-1)
//
// Bad configuration never half-loads: every error found is collected, each
// naming its file and key, and reported together in one exception.

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "routing/calendar.hpp"
#include "routing/directory.hpp"
#include "routing/disposal.hpp"
#include "routing/evaluation.hpp"
#include "routing/knowledge.hpp"
#include "routing/ticket.hpp"
#include "routing/warnings.hpp"

namespace hotline::config {

/// Working-day limits (M-DL-1 consultations, M-DL-2 everything else).
struct sla_policy {
  int consultation_days = 3;
  int other_days = 15;
  int reopen_limit = 2;           // M-SV-2
  int return_window_days = 2;     // M-RT-4
  int reminder_before_hours = 24; // M-SV-1: 催办 before the deadline
  int notice_after_hours = 72;    // M-SV-1: 通报 after it
  int opinion_days_before = 3;    // M-DL-4: cooperating opinions due before the lead's deadline
};

struct hotline_config {
  std::string city;
  routing::directory directory;
  routing::calendar calendar;
  sla_policy sla;
  std::filesystem::path dir; // where it was loaded from
  /// District-department function → its competent city department's id
  /// (departments.yaml `city_counterpart`), e.g. "housing" → "cq.housing".
  std::map<std::string, std::string> city_counterparts;
  /// refusals.yaml: the grounds for not accepting a demand (M-S-2, M-S-3),
  /// in file order, by code.
  std::vector<routing::refusal_rule> refusal_rules;
  /// knowledge.yaml (optional): the knowledge base's starter articles
  /// (issue 13), each owned by a unit.
  std::vector<routing::kb::seed> knowledge;
  /// evaluation.yaml (optional; defaults otherwise): how units are
  /// evaluated (issue 14, M-E-1; docs/EVALUATION.md).
  routing::evaluation::rules evaluation;
  /// warnings.yaml (optional): the early warnings' thresholds (issue 14,
  /// M-D-1); the defaults of routing/warnings.hpp without it.
  routing::warn::thresholds warnings;
  const routing::refusal_rule* find_refusal(const std::string& code) const {
    for (const auto& r : refusal_rules)
      if (r.code == code)
        return &r;
    return nullptr;
  }
};

/// One problem in one place: `file` is relative to the folder
/// ("calendar/cn-2025.yaml"), `key` a path inside it ("holidays[2].from",
/// "line 7.code"), empty when the whole file is concerned.
struct config_error {
  std::string file;
  std::string key;
  std::string message;
};

/// Every error of one load. what(): one error per line, "file: key: message"
/// ("file: message" when the key is empty).
class config_exception : public std::runtime_error {
 public:
  explicit config_exception(std::vector<config_error> errors);
  const std::vector<config_error>& errors() const { return errors_; }

 private:
  std::vector<config_error> errors_;
};

/// The ticket workflow's policy (M-DL-*, M-SV-*, M-RT-4) of `cfg`; it
/// points into `cfg` (its calendar), which must outlive it.
routing::policy policy_of(const hotline_config& cfg);

/// Loads and validates a configuration folder; throws config_exception
/// listing EVERY error found (not just the first), each with file and key
/// (e.g. "categories.yaml: categories[12].competent[1]: unknown district
/// department function 'foo'").
hotline_config load(const std::filesystem::path& dir);

} // namespace hotline::config
