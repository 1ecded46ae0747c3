#include "adapters/config/loader.hpp"

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/config/extras.hpp"
#include "adapters/config/reading.hpp"
#include "routing/civil_time.hpp"

namespace hotline::config {

namespace fs = std::filesystem;
using routing::civil_date;
using routing::unit_kind;

namespace {

// "file: key: message" lines, the text of config_exception::what().
std::string describe(const std::vector<config_error>& errors) {
  std::string text;
  for (const auto& e : errors) {
    if (!text.empty())
      text += '\n';
    text += e.file;
    text += ": ";
    if (!e.key.empty()) {
      text += e.key;
      text += ": ";
    }
    text += e.message;
  }
  return text;
}

} // namespace

config_exception::config_exception(std::vector<config_error> errors)
    : std::runtime_error(describe(errors)), errors_(std::move(errors)) {}

namespace {

using namespace reading;

// ---------------------------------------------------------------------------
// The pieces of a configuration

constexpr const char* hotline_file = "hotline.yaml";
constexpr const char* districts_file = "districts.csv";
constexpr const char* townships_file = "townships.csv";
constexpr const char* departments_file = "departments.yaml";
constexpr const char* categories_file = "categories.yaml";
constexpr const char* refusals_file = "refusals.yaml";
constexpr const char* handlers_file = "handlers.yaml";

struct district_template {
  std::string function;
  std::string name; // with "{district}"
};

// What departments.yaml defined. `loaded` as for district_table.
struct department_table {
  bool loaded = false;
  std::map<std::string, unit_kind> fixed_units; // city departments and enterprises
  std::vector<district_template> templates;
  std::set<std::string> functions; // of the templates
};

void add_unit(routing::directory& dir, routing::unit u, const std::string& file,
              const std::string& key, error_sink& errors) {
  const std::string id = u.id;
  if (!dir.add_unit(std::move(u)))
    errors.add(file, key, "duplicate unit id " + in_quotes(id));
}

// An optional working-day limit of hotline.yaml's sla: nullopt when absent
// or wrong (reported). A limit below one day cannot be counted (M-DL-6).
std::optional<int> working_days(const yaml_reader& yaml, const YAML::Node& sla,
                                const std::string& key) {
  if (!yaml_reader::get(sla, key).IsDefined())
    return std::nullopt;
  const auto n = yaml.integer_at(sla, key, "sla");
  if (n && *n < 1) {
    yaml.error(member("sla", key), "must be at least 1 working day");
    return std::nullopt;
  }
  return n;
}

// hotline.yaml: the city, the office (the root of the unit tree) and the SLA.
void load_hotline(const fs::path& dir, hotline_config& cfg, error_sink& errors) {
  const auto root = load_yaml(dir / hotline_file, hotline_file, errors);
  if (!root)
    return;
  const yaml_reader yaml(hotline_file, errors);
  yaml.reject_unknown_keys(*root, "", {"city", "timezone", "office", "sla"});

  if (auto city = yaml.text_at(*root, "city", ""))
    cfg.city = std::move(*city);

  // The code computes every date at +08:00 (M-DL-6); another zone here would
  // be silently ignored, so it is refused.
  const YAML::Node timezone = yaml_reader::get(*root, "timezone");
  if (timezone.IsDefined()) {
    if (const auto tz = yaml.text(timezone, "timezone"); tz && *tz != "Asia/Shanghai") {
      yaml.error("timezone", "only Asia/Shanghai is supported (dates are computed at +08:00)");
    }
  }

  const YAML::Node office = yaml_reader::get(*root, "office");
  if (yaml.expect_map(office, "office")) {
    yaml.reject_unknown_keys(office, "office", {"id", "name"});
    auto id = yaml.text_at(office, "id", "office");
    auto name = yaml.text_at(office, "name", "office");
    if (id && !is_dotted_name(*id, 1)) {
      yaml.error("office.id",
                 "malformed unit id " + in_quotes(*id)
                     + " (lower-case ascii, digits, '-' and '.', starting with a letter)");
      id.reset();
    }
    if (id && name) {
      cfg.directory.set_office_id(*id);
      routing::unit u;
      u.id = *id;
      u.name = std::move(*name);
      u.kind = unit_kind::office;
      add_unit(cfg.directory, std::move(u), hotline_file, "office.id", errors);
    }
  }

  // Limits left out keep the defaults of sla_policy (M-DL-1, M-DL-2).
  const YAML::Node sla = yaml_reader::get(*root, "sla");
  if (sla.IsDefined() && yaml.expect_map(sla, "sla")) {
    yaml.reject_unknown_keys(sla, "sla",
                             {"consultation_days", "other_days", "reopen_limit",
                              "return_window_days", "reminder_before_hours", "notice_after_hours",
                              "opinion_days_before"});
    if (const auto n = working_days(yaml, sla, "opinion_days_before"))
      cfg.sla.opinion_days_before = *n;
    // M-SV-1: when the reminder comes before the deadline, the public notice after it.
    for (const std::string key : {"reminder_before_hours", "notice_after_hours"}) {
      if (!yaml_reader::get(sla, key).IsDefined())
        continue;
      const auto n = yaml.integer_at(sla, key, "sla");
      if (n && *n < 1)
        yaml.error(member("sla", key), "must be at least 1 hour");
      else if (n)
        (key == "reminder_before_hours" ? cfg.sla.reminder_before_hours
                                        : cfg.sla.notice_after_hours)
            = *n;
    }
    if (const auto n = working_days(yaml, sla, "return_window_days"))
      cfg.sla.return_window_days = *n;
    if (const auto n = working_days(yaml, sla, "consultation_days")) {
      cfg.sla.consultation_days = *n;
    }
    if (const auto n = working_days(yaml, sla, "other_days"))
      cfg.sla.other_days = *n;
    // M-SV-2: how often an unsatisfied callback sends a ticket back (0: never).
    if (yaml_reader::get(sla, "reopen_limit").IsDefined()) {
      const auto n = yaml.integer_at(sla, "reopen_limit", "sla");
      if (n && *n < 0)
        yaml.error(member("sla", "reopen_limit"), "must be 0 or more");
      else if (n)
        cfg.sla.reopen_limit = *n;
    }
  }
}

// districts.csv: one district government per row, under the office.
district_table load_districts(const fs::path& dir, hotline_config& cfg, error_sink& errors) {
  district_table table;
  const auto rows = load_csv(dir / districts_file, districts_file, {"code", "name"}, errors);
  if (!rows)
    return table;
  table.loaded = true;
  const std::string& office = cfg.directory.office_id();
  for (const auto& row : *rows) {
    const std::string& code = row.values.at("code");
    const std::string& name = row.values.at("name");
    bool ok = true;
    if (!is_digits(code, 6)) {
      errors.add(districts_file, line_key(row.line, "code"),
                 "malformed district code " + in_quotes(code) + " (expected 6 digits)");
      ok = false;
    }
    if (name.empty()) {
      errors.add(districts_file, line_key(row.line, "name"), "must not be empty");
      ok = false;
    }
    if (!ok)
      continue;
    if (table.name_of.count(code) > 0) {
      errors.add(districts_file, line_key(row.line, "code"),
                 "duplicate district code " + in_quotes(code));
      continue;
    }
    table.list.push_back({code, name});
    table.name_of[code] = name;
    routing::unit u;
    u.id = code;
    u.name = name;
    u.kind = unit_kind::district_government;
    u.parent = office;
    u.supervisor = office;
    u.district = code;
    add_unit(cfg.directory, std::move(u), districts_file, line_key(row.line, "code"), errors);
  }
  return table;
}

// townships.csv: one township/street per row, under its district. An
// unknown district is reported once (at its first line, with a count): when
// a districts.csv line is broken, every township of that district would
// otherwise repeat the same error.
void load_townships(const fs::path& dir, const district_table& districts, hotline_config& cfg,
                    error_sink& errors) {
  const auto rows
      = load_csv(dir / townships_file, townships_file, {"code", "name", "areaCode"}, errors);
  if (!rows)
    return;
  struct unknown_district {
    int first_line = 0;
    int townships = 0;
  };
  std::map<std::string, unknown_district> unknown;
  for (const auto& row : *rows) {
    const std::string& code = row.values.at("code");
    const std::string& name = row.values.at("name");
    const std::string& district = row.values.at("areaCode");
    bool ok = true;
    if (!is_digits(code, 9)) {
      errors.add(townships_file, line_key(row.line, "code"),
                 "malformed township code " + in_quotes(code) + " (expected 9 digits)");
      ok = false;
    }
    if (name.empty()) {
      errors.add(townships_file, line_key(row.line, "name"), "must not be empty");
      ok = false;
    }
    if (!is_digits(district, 6)) {
      errors.add(townships_file, line_key(row.line, "areaCode"),
                 "malformed district code " + in_quotes(district) + " (expected 6 digits)");
      ok = false;
    } else if (districts.loaded && districts.name_of.count(district) == 0) {
      unknown_district& u = unknown[district];
      if (u.townships++ == 0)
        u.first_line = row.line;
      ok = false;
    } else if (is_digits(code, 9) && code.compare(0, 6, district) != 0) {
      errors.add(townships_file, line_key(row.line, "code"),
                 "township code " + in_quotes(code) + " does not start with its district code "
                     + in_quotes(district));
      ok = false;
    }
    if (!ok)
      continue;
    routing::unit u;
    u.id = code;
    u.name = name;
    u.kind = unit_kind::township;
    u.parent = district;
    u.supervisor = district;
    u.district = district;
    add_unit(cfg.directory, std::move(u), townships_file, line_key(row.line, "code"), errors);
  }
  for (const auto& [code, u] : unknown) {
    errors.add(townships_file, line_key(u.first_line, "areaCode"),
               "unknown district " + in_quotes(code) + " (not in districts.csv; "
                   + std::to_string(u.townships) + (u.townships == 1 ? " township" : " townships")
                   + " refer to it)");
  }
}

// departments.yaml, city_departments: fixed units directly under the office.
void load_city_departments(const yaml_reader& yaml, const YAML::Node& list, department_table& table,
                           hotline_config& cfg, error_sink& errors) {
  const std::string& office = cfg.directory.office_id();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node entry = list[i];
    const std::string path = indexed("city_departments", i);
    if (!yaml.expect_map(entry, path))
      continue;
    yaml.reject_unknown_keys(entry, path, {"id", "name", "kind", "function"});
    auto id = yaml.text_at(entry, "id", path);
    auto name = yaml.text_at(entry, "name", path);
    auto kind_text = yaml.text_at(entry, "kind", path);
    auto function = yaml.text_at(entry, "function", path);
    if (id && !is_dotted_name(*id, 2)) {
      yaml.error(member(path, "id"), "malformed unit id " + in_quotes(*id)
                                         + " (expected <city>.<name> in lower-case ascii)");
      id.reset();
    }
    // A plain value and flag rather than std::optional: GCC 12 at -O2 warns
    // (falsely) that an optional enum may be used uninitialized.
    unit_kind kind = unit_kind::city_department;
    bool kind_ok = false;
    if (kind_text) {
      const auto parsed = routing::parse_unit_kind(*kind_text);
      kind_ok = parsed == unit_kind::city_department || parsed == unit_kind::enterprise;
      if (kind_ok) {
        kind = *parsed;
      } else {
        yaml.error(member(path, "kind"), "unknown kind " + in_quotes(*kind_text)
                                             + " (expected city_department or enterprise)");
      }
    }
    if (function && !is_function_name(*function)) {
      yaml.error(member(path, "function"), "malformed function " + in_quotes(*function)
                                               + " (lower-case ascii, digits and '-')");
      function.reset();
    }
    // A good id is registered even when the entry has other errors, so that
    // categories naming it do not repeat them as "unknown unit".
    if (id && !table.fixed_units.emplace(*id, kind).second) {
      yaml.error(member(path, "id"), "duplicate unit id " + in_quotes(*id));
      continue;
    }
    if (!id || !name || !kind_ok || !function)
      continue;
    routing::unit u;
    u.id = *id;
    u.name = std::move(*name);
    u.kind = kind;
    u.parent = office;
    u.supervisor = office;
    u.function = std::move(*function);
    add_unit(cfg.directory, std::move(u), yaml.file(), member(path, "id"), errors);
  }
}

// departments.yaml, district_departments: templates, instantiated later for
// every district.
void load_district_templates(const yaml_reader& yaml, const YAML::Node& list,
                             department_table& table, hotline_config& cfg) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node entry = list[i];
    const std::string path = indexed("district_departments", i);
    if (!yaml.expect_map(entry, path))
      continue;
    yaml.reject_unknown_keys(entry, path, {"function", "name", "city_counterpart"});
    auto function = yaml.text_at(entry, "function", path);
    auto name = yaml.text_at(entry, "name", path);
    if (function && !is_function_name(*function)) {
      yaml.error(member(path, "function"), "malformed function " + in_quotes(*function)
                                               + " (lower-case ascii, digits and '-')");
      function.reset();
    }
    if (function && table.functions.count(*function) > 0) {
      yaml.error(member(path, "function"), "duplicate function " + in_quotes(*function));
      function.reset();
    }
    // Without the placeholder every district's department would bear the
    // same name.
    if (name && name->find("{district}") == std::string::npos) {
      yaml.error(member(path, "name"), "must contain {district}");
      name.reset();
    }
    const YAML::Node counterpart_node = yaml_reader::get(entry, "city_counterpart");
    if (counterpart_node.IsDefined()) {
      const auto counterpart = yaml.text(counterpart_node, member(path, "city_counterpart"));
      if (counterpart) {
        const auto it = table.fixed_units.find(*counterpart);
        if (it == table.fixed_units.end() || it->second != unit_kind::city_department) {
          yaml.error(member(path, "city_counterpart"),
                     "unknown city department " + in_quotes(*counterpart));
        } else if (function) {
          cfg.city_counterparts[*function] = *counterpart;
        }
      }
    }
    // As for city departments: a good function stays known even if the
    // entry's name is wrong, to avoid a second error in every category.
    if (function)
      table.functions.insert(*function);
    if (!function || !name)
      continue;
    table.templates.push_back({std::move(*function), std::move(*name)});
  }
}

department_table load_departments(const fs::path& dir, hotline_config& cfg, error_sink& errors) {
  department_table table;
  const auto root = load_yaml(dir / departments_file, departments_file, errors);
  if (!root)
    return table;
  table.loaded = true;
  const yaml_reader yaml(departments_file, errors);
  yaml.reject_unknown_keys(*root, "", {"city_departments", "district_departments"});
  const YAML::Node city = yaml_reader::get(*root, "city_departments");
  if (yaml.expect_sequence(city, "city_departments")) {
    load_city_departments(yaml, city, table, cfg, errors);
  }
  const YAML::Node district = yaml_reader::get(*root, "district_departments");
  if (yaml.expect_sequence(district, "district_departments")) {
    load_district_templates(yaml, district, table, cfg);
  }
  return table;
}

// One district department per district and template: <code>.<function>.
void instantiate_district_departments(const district_table& districts,
                                      const department_table& departments, hotline_config& cfg,
                                      error_sink& errors) {
  for (const auto& d : districts.list) {
    for (std::size_t i = 0; i < departments.templates.size(); ++i) {
      const district_template& t = departments.templates[i];
      routing::unit u;
      u.id = d.code + "." + t.function;
      u.name = replace_all(t.name, "{district}", d.name);
      u.kind = unit_kind::district_department;
      u.parent = d.code;
      u.supervisor = d.code;
      u.district = d.code;
      u.function = t.function;
      add_unit(cfg.directory, std::move(u), departments_file,
               member(indexed("district_departments", i), "function"), errors);
    }
  }
}

// One `competent` entry: township | district_government |
// district_department:<function> | unit:<id>.
std::optional<routing::competence> parse_competence(const yaml_reader& yaml, const YAML::Node& node,
                                                    const std::string& path,
                                                    const department_table& departments) {
  const auto entry = yaml.text(node, path);
  if (!entry)
    return std::nullopt;
  constexpr std::string_view department_prefix = "district_department:";
  constexpr std::string_view unit_prefix = "unit:";
  const std::string_view text = *entry;
  routing::competence c;
  if (text == "township") {
    c.kind = unit_kind::township;
  } else if (text == "district_government") {
    c.kind = unit_kind::district_government;
  } else if (text.substr(0, department_prefix.size()) == department_prefix) {
    c.kind = unit_kind::district_department;
    c.function = std::string(text.substr(department_prefix.size()));
    if (departments.loaded && departments.functions.count(c.function) == 0) {
      yaml.error(path, "unknown district department function " + in_quotes(c.function));
      return std::nullopt;
    }
  } else if (text.substr(0, unit_prefix.size()) == unit_prefix) {
    c.unit_id = std::string(text.substr(unit_prefix.size()));
    const auto it = departments.fixed_units.find(c.unit_id);
    if (it != departments.fixed_units.end()) {
      c.kind = it->second;
    } else if (departments.loaded) {
      yaml.error(path, "unknown unit " + in_quotes(c.unit_id)
                           + " (expected a city department or enterprise from departments.yaml)");
      return std::nullopt;
    } else {
      c.kind = unit_kind::city_department;
    }
  } else {
    yaml.error(path, "unknown competent entry " + in_quotes(text)
                         + " (expected township, district_government, "
                           "district_department:<function> or unit:<id>)");
    return std::nullopt;
  }
  return c;
}

std::string competence_text(const routing::competence& c) {
  if (!c.unit_id.empty())
    return "unit:" + c.unit_id;
  if (c.kind == unit_kind::district_department)
    return "district_department:" + c.function;
  return std::string(routing::to_string(c.kind));
}

// categories.yaml: the taxonomy, checked against departments.yaml.
void load_categories(const fs::path& dir, const department_table& departments, hotline_config& cfg,
                     error_sink& errors) {
  const auto root = load_yaml(dir / categories_file, categories_file, errors);
  if (!root)
    return;
  const yaml_reader yaml(categories_file, errors);
  yaml.reject_unknown_keys(*root, "", {"categories"});
  const YAML::Node list = yaml_reader::get(*root, "categories");
  if (!yaml.expect_sequence(list, "categories"))
    return;

  // Codes seen so far, including those of categories with other errors.
  std::set<std::string> codes;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node entry = list[i];
    const std::string path = indexed("categories", i);
    if (!yaml.expect_map(entry, path))
      continue;
    yaml.reject_unknown_keys(
        entry, path, {"code", "name", "kinds", "competent", "coordination", "low_confidence"});
    const std::size_t errors_before = errors.size();
    routing::category cat;
    // M-RT-2: an overlap of duties or a gap, for the office to coordinate.
    if (yaml_reader::get(entry, "coordination").IsDefined())
      if (auto why = yaml.text_at(entry, "coordination", path))
        cat.coordination = *why;
    // Issue 11: what a low-confidence assignment does (default: dispatch).
    if (yaml_reader::get(entry, "low_confidence").IsDefined())
      if (auto policy = yaml.text_at(entry, "low_confidence", path)) {
        if (auto p = routing::parse_low_confidence_policy(*policy))
          cat.low_confidence = *p;
        else
          yaml.error(member(path, "low_confidence"),
                     "unknown policy " + in_quotes(*policy) + " (expected dispatch or coordinate)");
      }

    if (auto code = yaml.text_at(entry, "code", path)) {
      if (!is_dotted_name(*code, 2)) {
        yaml.error(member(path, "code"), "malformed code " + in_quotes(*code)
                                             + " (expected <domain>.<matter> in lower-case ascii)");
      } else if (!codes.insert(*code).second) {
        yaml.error(member(path, "code"), "duplicate category code " + in_quotes(*code));
      }
      cat.code = std::move(*code);
    }
    if (auto name = yaml.text_at(entry, "name", path))
      cat.name = std::move(*name);

    const std::string kinds_path = member(path, "kinds");
    const YAML::Node kinds = yaml_reader::get(entry, "kinds");
    if (yaml.expect_sequence(kinds, kinds_path)) {
      if (kinds.size() == 0)
        yaml.error(kinds_path, "must name at least one kind");
      for (std::size_t k = 0; k < kinds.size(); ++k) {
        const std::string kind_path = indexed(kinds_path, k);
        const auto text = yaml.text(kinds[k], kind_path);
        if (!text)
          continue;
        const auto kind = routing::parse_demand_kind(*text);
        if (!kind) {
          yaml.error(kind_path, "unknown kind " + in_quotes(*text)
                                    + " (expected consultation, help, complaint, report or "
                                      "suggestion)");
        } else if (std::find(cat.kinds.begin(), cat.kinds.end(), *kind) != cat.kinds.end()) {
          yaml.error(kind_path, "duplicate kind " + in_quotes(*text));
        } else {
          cat.kinds.push_back(*kind);
        }
      }
    }

    const std::string competent_path = member(path, "competent");
    const YAML::Node competent = yaml_reader::get(entry, "competent");
    if (yaml.expect_sequence(competent, competent_path)) {
      if (competent.size() == 0 && cat.coordination.empty())
        yaml.error(competent_path, "must name at least one entry (or set coordination)");
      std::set<std::string> seen;
      for (std::size_t k = 0; k < competent.size(); ++k) {
        const std::string entry_path = indexed(competent_path, k);
        auto c = parse_competence(yaml, competent[k], entry_path, departments);
        if (!c)
          continue;
        if (!seen.insert(competence_text(*c)).second) {
          yaml.error(entry_path, "duplicate entry " + in_quotes(competence_text(*c)));
          continue;
        }
        cat.competent.push_back(std::move(*c));
      }
    }

    if (errors.size() != errors_before)
      continue;
    cfg.directory.add_category(std::move(cat)); // unique: codes were checked above
  }
}

} // namespace

// refusals.yaml: grounds for refusal with their referral (M-S-2, M-S-3).
void load_refusals(const fs::path& dir, hotline_config& cfg, error_sink& errors) {
  const auto root = load_yaml(dir / refusals_file, refusals_file, errors);
  if (!root)
    return;
  const yaml_reader yaml(refusals_file, errors);
  yaml.reject_unknown_keys(*root, "", {"refusal_rules"});
  const YAML::Node list = yaml_reader::get(*root, "refusal_rules");
  if (!yaml.expect_sequence(list, "refusal_rules"))
    return;
  std::set<std::string> codes;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node entry = list[i];
    const std::string path = indexed("refusal_rules", i);
    if (!yaml.expect_map(entry, path))
      continue;
    yaml.reject_unknown_keys(entry, path, {"code", "basis", "rule", "referral"});
    const auto code = yaml.text_at(entry, "code", path);
    const auto basis = yaml.text_at(entry, "basis", path);
    const auto rule = yaml.text_at(entry, "rule", path);
    if (code && !is_function_name(*code))
      yaml.error(member(path, "code"), "must be lower-case ascii words joined by '-'");
    if (code && !codes.insert(*code).second)
      yaml.error(member(path, "code"), "duplicate refusal rule " + in_quotes(*code));
    if (rule && rule->rfind("M-S-", 0) != 0)
      yaml.error(member(path, "rule"), "must cite a scope rule (M-S-…)");
    routing::refusal_rule r;
    const YAML::Node referral = yaml_reader::get(entry, "referral");
    if (referral.IsDefined() && yaml.expect_map(referral, member(path, "referral"))) {
      yaml.reject_unknown_keys(referral, member(path, "referral"), {"name", "contact"});
      if (auto name = yaml.text_at(referral, "name", member(path, "referral")))
        r.referral_name = *name;
      const YAML::Node contact = yaml_reader::get(referral, "contact");
      if (contact.IsDefined() && contact.IsScalar())
        r.referral_contact = contact.Scalar();
    }
    if (code && basis && rule) {
      r.code = *code;
      r.basis = *basis;
      r.rule = *rule;
      cfg.refusal_rules.push_back(std::move(r));
    }
  }
}

// handlers.yaml (optional): per unit, the concrete handlers it may name
// beyond its own subordinate units and the enterprises (M-RT-3).
void load_handlers(const fs::path& dir, const department_table& departments, hotline_config& cfg,
                   error_sink& errors) {
  std::error_code ec;
  // Without departments.yaml its units are unknown: that error is reported
  // once, by its own loader.
  if (!departments.loaded || !fs::exists(dir / handlers_file, ec))
    return;
  const auto root = load_yaml(dir / handlers_file, handlers_file, errors);
  if (!root)
    return;
  const yaml_reader yaml(handlers_file, errors);
  yaml.reject_unknown_keys(*root, "", {"extra_handlers"});
  const YAML::Node map = yaml_reader::get(*root, "extra_handlers");
  if (!yaml.expect_map(map, "extra_handlers"))
    return;
  for (const auto& entry : map) {
    const std::string unit = entry.first.Scalar();
    const std::string path = member("extra_handlers", unit);
    if (!cfg.directory.find_unit(unit)) {
      yaml.error(path, "unknown unit " + in_quotes(unit));
      continue;
    }
    if (!yaml.expect_sequence(entry.second, path))
      continue;
    for (std::size_t k = 0; k < entry.second.size(); ++k) {
      auto handler = yaml.text(entry.second[k], indexed(path, k));
      if (!handler)
        continue;
      const auto* h = cfg.directory.find_unit(*handler);
      if (!h || h->kind == routing::unit_kind::office || *handler == unit)
        yaml.error(indexed(path, k),
                   "not a handling unit other than itself: " + in_quotes(*handler));
      else
        cfg.directory.allow_handler(unit, *handler);
    }
  }
}

hotline_config load(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw config_exception({{dir.string(), "", "configuration folder not found"}});
  }
  error_sink errors;
  hotline_config cfg;
  cfg.dir = dir;
  load_hotline(dir, cfg, errors);
  const district_table districts = load_districts(dir, cfg, errors);
  load_townships(dir, districts, cfg, errors);
  load_communities(dir, cfg, errors);
  load_places(dir, cfg, errors);
  const department_table departments = load_departments(dir, cfg, errors);
  instantiate_district_departments(districts, departments, cfg, errors);
  load_categories(dir, departments, cfg, errors);
  load_shapes(dir, districts, cfg, errors);
  load_calendar(dir, cfg, errors);
  load_refusals(dir, cfg, errors);
  load_handlers(dir, departments, cfg, errors);
  load_warnings(dir, cfg, errors);
  // Without departments.yaml its owners are unknown: reported once, by its own loader.
  if (departments.loaded)
    load_knowledge(dir, cfg, errors);
  load_evaluation(dir, cfg, errors);
  if (!errors.empty())
    throw config_exception(errors.take());
  return cfg;
}

} // namespace hotline::config
