// warnings.yaml (optional): the thresholds of the early warnings (issue 14
// item 4, M-D-1; routing/warnings.hpp, docs/MONITORING.md). Every key is
// optional and defaults to the value in routing/warnings.hpp; unknown keys
// and values out of range are errors naming their key.
#include <cmath>

#include "adapters/config/extras.hpp"

namespace hotline::config {

using namespace reading;

namespace {

constexpr const char* warnings_file = "warnings.yaml";

// `section`.`key` into `out` when present; an error naming it otherwise.
void read_int(const yaml_reader& yaml, const YAML::Node& map, const std::string& section,
              const std::string& key, int& out) {
  if (!yaml_reader::get(map, key).IsDefined())
    return;
  if (auto v = yaml.integer_at(map, key, section))
    out = *v;
}

void read_double(const yaml_reader& yaml, const YAML::Node& map, const std::string& section,
                 const std::string& key, double& out) {
  const YAML::Node node = yaml_reader::get(map, key);
  if (!node.IsDefined())
    return;
  const auto value = yaml.text(node, member(section, key));
  if (!value)
    return;
  double number = 0;
  if (!YAML::convert<double>::decode(node, number) || !std::isfinite(number)) {
    yaml.error(member(section, key), "expected a number, found " + in_quotes(*value));
    return;
  }
  out = number;
}

} // namespace

void load_warnings(const fs::path& dir, hotline_config& cfg, error_sink& errors) {
  std::error_code ec;
  if (!fs::exists(dir / warnings_file, ec))
    return;
  const auto root = load_yaml(dir / warnings_file, warnings_file, errors);
  if (!root)
    return;
  const yaml_reader yaml(warnings_file, errors);
  if (!yaml.expect_map(*root, ""))
    return;
  yaml.reject_unknown_keys(*root, "", {"surge", "cluster", "repeat", "overdue", "intake_weeks"});
  auto& t = cfg.warnings;
  const std::size_t before = errors.size();
  auto section = [&](const char* name, std::initializer_list<std::string_view> keys) {
    const YAML::Node node = yaml_reader::get(*root, name);
    if (node.IsDefined() && yaml.expect_map(node, name))
      yaml.reject_unknown_keys(node, name, keys);
    return node;
  };
  const auto surge = section("surge", {"window_hours", "baseline_days", "baseline_weeks", "alpha",
                                       "min_count", "min_baseline"});
  read_int(yaml, surge, "surge", "window_hours", t.surge.window_hours);
  read_int(yaml, surge, "surge", "baseline_days", t.surge.baseline_days);
  read_int(yaml, surge, "surge", "baseline_weeks", t.surge.baseline_weeks);
  read_double(yaml, surge, "surge", "alpha", t.surge.alpha);
  read_int(yaml, surge, "surge", "min_count", t.surge.min_count);
  read_double(yaml, surge, "surge", "min_baseline", t.surge.min_baseline);
  const auto cluster = section("cluster", {"window_hours", "min_callers"});
  read_int(yaml, cluster, "cluster", "window_hours", t.cluster.window_hours);
  read_int(yaml, cluster, "cluster", "min_callers", t.cluster.min_callers);
  const auto repeat = section("repeat", {"min_calls"});
  read_int(yaml, repeat, "repeat", "min_calls", t.repeat.min_calls);
  const auto overdue = section("overdue", {"window_hours", "min_jump"});
  read_int(yaml, overdue, "overdue", "window_hours", t.overdue.window_hours);
  read_int(yaml, overdue, "overdue", "min_jump", t.overdue.min_jump);
  read_int(yaml, *root, "", "intake_weeks", t.intake_weeks);
  // The ranges, once every value could be read.
  if (errors.size() != before)
    return;
  for (const auto& problem : routing::warn::check(t)) {
    const auto colon = problem.find(": ");
    yaml.error(problem.substr(0, colon), problem.substr(colon + 2));
  }
}

} // namespace hotline::config
